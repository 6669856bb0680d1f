/**
 * definite's `pg_catalog` and `information_schema`: the Postgres system relations clients read to
 * introspect a database (psql's `\d`, drivers, GUI tools), derived from the objects definite's
 * catalog holds at the time of the query. Each is a constant relation (rows and columns), built
 * when a one-shot SELECT is planned; nothing here is stored or maintained. Column names follow
 * Postgres 15; their types are definite's nearest (oid, regproc and int4 as int; name, "char"
 * and the node-tree columns as text; float4 as float; oid[] as int[], int2vector as smallint[],
 * "char"[] as text[]; pg_index's vectors and the acl columns still as text). Oids are stable per object:
 * a catalog id `uN` is oid 16384 + N (Postgres' first user oid), system objects have Postgres'
 * own oids where it has fixed ones. One role (oid 10) owns everything.
 * It reads no catalog itself: its caller describes the objects (SystemCatalogInput), and
 * withSystemRelations puts the system schemas in front of the caller's resolver.
 */
import type { Column, ColumnType, Value } from '../../../protocol/types.js';
import type { RelationResolver, ResolvedRelation } from './planned.js';
import { castRows, operatorRows } from './pg-operator-catalog.js';

/** One relation of definite's catalog, as the system relations describe it. */
export interface CatalogObject {
  /** The catalog id (`u12`). */
  id: string;
  name: string;
  kind: 'table' | 'source' | 'view' | 'materialized_view' | 'index';
  columns: Column[];
  /** The defining SELECT (views, materialized views). */
  query?: string;
  /** What an index is on (a catalog id) and its key columns. */
  on?: string;
  keys?: number[];
}

export interface SystemCatalogInput {
  objects: CatalogObject[];
  /** The database's name (pg_database) and the one role's (pg_roles). */
  database: string;
  owner: string;
}

/** A system relation: its columns and its rows now. */
export interface SystemRelation {
  oid: number;
  columns: Column[];
  rows: Value[][];
}

export const NAMESPACE = { pg_catalog: 11, public: 2200, information_schema: 12000 } as const;
export type SystemSchema = 'pg_catalog' | 'information_schema';
export const OWNER_OID = 10;
const FIRST_USER_OID = 16384;
const DATABASE_OID = 16384 - 1;

/** The oid of the catalog object `id` (`uN` is 16384 + N). */
export function oidOf(id: string): number {
  const n = Number(id.slice(1));
  return Number.isInteger(n) ? FIRST_USER_OID + n : 0;
}

/** Postgres' types of definite's column types: oid, type name, format_type's name, length. */
export const PG_TYPES: Array<{ oid: number; typname: string; sqlName: string; len: number; category: string; of?: ColumnType; elem?: number; array?: number }> = [
  { oid: 16, typname: 'bool', sqlName: 'boolean', len: 1, category: 'B', of: 'bool' },
  { oid: 18, typname: 'char', sqlName: '"char"', len: 1, category: 'Z' },
  { oid: 19, typname: 'name', sqlName: 'name', len: 64, category: 'S' },
  { oid: 20, typname: 'int8', sqlName: 'bigint', len: 8, category: 'N', of: 'bigint' },
  { oid: 21, typname: 'int2', sqlName: 'smallint', len: 2, category: 'N', of: 'smallint' },
  { oid: 23, typname: 'int4', sqlName: 'integer', len: 4, category: 'N', of: 'int' },
  { oid: 25, typname: 'text', sqlName: 'text', len: -1, category: 'S', of: 'text' },
  { oid: 26, typname: 'oid', sqlName: 'oid', len: 4, category: 'N' },
  { oid: 700, typname: 'float4', sqlName: 'real', len: 4, category: 'N', of: 'real' },
  { oid: 701, typname: 'float8', sqlName: 'double precision', len: 8, category: 'N', of: 'float' },
  { oid: 1082, typname: 'date', sqlName: 'date', len: 4, category: 'D', of: 'date' },
  { oid: 1186, typname: 'interval', sqlName: 'interval', len: 16, category: 'T', of: 'interval' },
  { oid: 1114, typname: 'timestamp', sqlName: 'timestamp without time zone', len: 8, category: 'D', of: 'timestamp' },
  { oid: 1083, typname: 'time', sqlName: 'time without time zone', len: 8, category: 'D', of: 'time' },
  { oid: 1184, typname: 'timestamptz', sqlName: 'timestamp with time zone', len: 8, category: 'D', of: 'timestamptz' },
  { oid: 1700, typname: 'numeric', sqlName: 'numeric', len: -1, category: 'N', of: 'numeric' },
  { oid: 3802, typname: 'jsonb', sqlName: 'jsonb', len: -1, category: 'U', of: 'jsonb' },
  { oid: 2205, typname: 'regclass', sqlName: 'regclass', len: 4, category: 'N' },
  { oid: 2206, typname: 'regtype', sqlName: 'regtype', len: 4, category: 'N' },
  // Array types (typcategory 'A', typelem their element's oid).
  { oid: 1000, typname: '_bool', sqlName: 'boolean[]', len: -1, category: 'A', of: 'bool[]', elem: 16 },
  { oid: 1002, typname: '_char', sqlName: '"char"[]', len: -1, category: 'A', elem: 18 },
  { oid: 1005, typname: '_int2', sqlName: 'smallint[]', len: -1, category: 'A', of: 'smallint[]', elem: 21 },
  { oid: 1007, typname: '_int4', sqlName: 'integer[]', len: -1, category: 'A', of: 'int[]', elem: 23 },
  { oid: 1016, typname: '_int8', sqlName: 'bigint[]', len: -1, category: 'A', of: 'bigint[]', elem: 20 },
  { oid: 1009, typname: '_text', sqlName: 'text[]', len: -1, category: 'A', of: 'text[]', elem: 25 },
  { oid: 1028, typname: '_oid', sqlName: 'oid[]', len: -1, category: 'A', elem: 26 },
  { oid: 1022, typname: '_float8', sqlName: 'double precision[]', len: -1, category: 'A', of: 'float[]', elem: 701 },
  { oid: 1231, typname: '_numeric', sqlName: 'numeric[]', len: -1, category: 'A', of: 'numeric[]', elem: 1700 },
];

/** The pg_type row of a definite column type. */
export function pgTypeOfColumn(type: ColumnType): (typeof PG_TYPES)[number] {
  return PG_TYPES.find((t) => t.of === type)!;
}

const DEFAULT_COLLATION = 100;

// Column lists: `name:type` with `?` for nullable; types are definite's (see the header).
type Spec = string;
function cols(spec: Spec): Column[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((s) => {
      const [name, t] = s.split(':') as [string, string];
      const nullable = t.endsWith('?');
      return { name, type: t.replace('?', '') as ColumnType, nullable };
    });
}

interface Definition {
  oid: number;
  /** Postgres' relkind for it ('r' table, 'v' view). */
  relkind: 'r' | 'v';
  columns: Column[];
  rows: (c: Context) => Value[][];
}

interface Context {
  input: SystemCatalogInput;
  /** Every relation, system ones included, with its oid, namespace and relkind. */
  relations: Array<{ oid: number; name: string; namespace: number; relkind: string; columns: Column[]; object?: CatalogObject }>;
}

/** A view's definition as pg_get_viewdef gives it: its query as written, after a space, with a semicolon (Postgres deparses it instead). */
export function viewDefinition(o: CatalogObject): string | null {
  return o.query === undefined ? null : ` ${o.query.trim().replace(/;\s*$/, '')};`;
}

const RELKIND: Record<CatalogObject['kind'], string> = { table: 'r', source: 'r', view: 'v', materialized_view: 'm', index: 'i' };

const PG_CATALOG: Record<string, Definition> = {
  pg_namespace: { oid: 2615, relkind: 'r', columns: cols('oid:int nspname:text nspowner:int nspacl:text?'), rows: () => Object.entries(NAMESPACE).map(([name, oid]) => [oid, name, OWNER_OID, null]) },
  pg_class: {
    oid: 1259,
    relkind: 'r',
    columns: cols(`oid:int relname:text relnamespace:int reltype:int reloftype:int relowner:int relam:int relfilenode:int reltablespace:int
      relpages:int reltuples:float relallvisible:int reltoastrelid:int relhasindex:bool relisshared:bool relpersistence:text relkind:text
      relnatts:smallint relchecks:smallint relhasrules:bool relhastriggers:bool relhassubclass:bool relrowsecurity:bool relforcerowsecurity:bool
      relispopulated:bool relreplident:text relispartition:bool relrewrite:int relfrozenxid:int relminmxid:int relacl:text? reloptions:text[]? relpartbound:text?`),
    rows: (c) => {
      const indexed = new Set(c.input.objects.filter((o) => o.kind === 'index' && o.on !== undefined).map((o) => oidOf(o.on!)));
      return c.relations.map((r) => {
        const stored = r.relkind === 'r' || r.relkind === 'm';
        const am = stored ? 2 : r.relkind === 'i' ? 403 : 0;
        // As Postgres: views and materialized views have a rule (_RETURN); only stored relations a replica identity.
        const rules = r.relkind === 'v' || r.relkind === 'm';
        return [r.oid, r.name, r.namespace, 0, 0, OWNER_OID, am, r.oid, 0, 0, -1, 0, 0, indexed.has(r.oid), false, 'p', r.relkind, r.columns.length, 0, rules, false, false, false, false, true, stored ? 'd' : 'n', false, 0, 0, 0, null, null, null];
      });
    },
  },
  pg_attribute: {
    oid: 1249,
    relkind: 'r',
    columns: cols(`attrelid:int attname:text atttypid:int attstattarget:int attlen:smallint attnum:smallint attndims:int attcacheoff:int atttypmod:int
      attbyval:bool attalign:text attstorage:text attcompression:text attnotnull:bool atthasdef:bool atthasmissing:bool attidentity:text attgenerated:text
      attisdropped:bool attislocal:bool attinhcount:int attcollation:int attacl:text? attoptions:text? attfdwoptions:text? attmissingval:text?`),
    rows: (c) =>
      c.relations.flatMap((r) =>
        r.columns.map((col, i) => {
          const t = pgTypeOfColumn(col.type);
          // attnotnull: a table's NOT NULL; Postgres never marks a view's (or materialized view's) columns.
          return [r.oid, col.name, t.oid, -1, t.len, i + 1, col.type.endsWith('[]') ? 1 : 0, -1, -1, t.len > 0 && t.len <= 8, t.len === 8 ? 'd' : 'i', t.len > 0 ? 'p' : t.oid === 1700 ? 'm' : 'x', '', !col.nullable && r.relkind === 'r', false, false, '', '', false, true, 0, col.type === 'text' || col.type === 'text[]' ? DEFAULT_COLLATION : 0, null, null, null, null];
        }),
      ),
  },
  pg_type: {
    oid: 1247,
    relkind: 'r',
    columns: cols(`oid:int typname:text typnamespace:int typowner:int typlen:smallint typbyval:bool typtype:text typcategory:text typispreferred:bool
      typisdefined:bool typdelim:text typrelid:int typelem:int typarray:int typnotnull:bool typbasetype:int typtypmod:int typndims:int typcollation:int typdefault:text? typacl:text?`),
    rows: () =>
      PG_TYPES.map((t) => {
        const array = PG_TYPES.find((a) => a.elem === t.oid)?.oid ?? 0;
        const collation = t.oid === 25 || t.oid === 19 || t.oid === 1009 ? DEFAULT_COLLATION : 0;
        return [t.oid, t.typname, NAMESPACE.pg_catalog, OWNER_OID, t.len, t.len > 0 && t.len <= 8, 'b', t.category, false, true, ',', 0, t.elem ?? 0, array, false, 0, -1, 0, collation, null, null];
      }),
  },
  pg_database: {
    oid: 1262,
    relkind: 'r',
    columns: cols(`oid:int datname:text datdba:int encoding:int datlocprovider:text datistemplate:bool datallowconn:bool datconnlimit:int datfrozenxid:int
      datminmxid:int dattablespace:int datcollate:text datctype:text daticulocale:text? datcollversion:text? datacl:text?`),
    rows: (c) => [[DATABASE_OID, c.input.database, OWNER_OID, 6, 'c', false, true, -1, 0, 0, 1663, 'C', 'C', null, null, null]],
  },
  pg_am: { oid: 2601, relkind: 'r', columns: cols('oid:int amname:text amhandler:text amtype:text'), rows: () => [[2, 'heap', 'heap_tableam_handler', 't'], [403, 'btree', 'bthandler', 'i']] },
  pg_index: {
    oid: 2610,
    relkind: 'r',
    columns: cols(`indexrelid:int indrelid:int indnatts:smallint indnkeyatts:smallint indisunique:bool indnullsnotdistinct:bool indisprimary:bool
      indisexclusion:bool indimmediate:bool indisclustered:bool indisvalid:bool indcheckxmin:bool indisready:bool indislive:bool indisreplident:bool
      indkey:text indcollation:text indclass:text indoption:text indexprs:text? indpred:text?`),
    rows: (c) =>
      c.input.objects
        .filter((o) => o.kind === 'index' && o.on !== undefined)
        .map((o) => {
          const keys = (o.keys ?? []).map((k) => k + 1);
          return [oidOf(o.id), oidOf(o.on!), keys.length, keys.length, false, false, false, false, true, false, true, false, true, true, false, keys.join(' '), keys.map(() => 0).join(' '), keys.map(() => 0).join(' '), keys.map(() => 0).join(' '), null, null];
        }),
  },
  pg_description: { oid: 2609, relkind: 'r', columns: cols('objoid:int classoid:int objsubid:int description:text'), rows: () => [] },
  pg_attrdef: { oid: 2604, relkind: 'r', columns: cols('oid:int adrelid:int adnum:smallint adbin:text'), rows: () => [] },
  pg_collation: {
    oid: 3456,
    relkind: 'r',
    columns: cols('oid:int collname:text collnamespace:int collowner:int collprovider:text collisdeterministic:bool collencoding:int collcollate:text? collctype:text?'),
    rows: () => [[DEFAULT_COLLATION, 'default', NAMESPACE.pg_catalog, OWNER_OID, 'd', true, -1, null, null]],
  },
  // Constraints: definite has none (NOT NULL is pg_attribute's, as in Postgres).
  pg_constraint: {
    oid: 2606,
    relkind: 'r',
    columns: cols(`oid:int conname:text connamespace:int contype:text condeferrable:bool condeferred:bool convalidated:bool conrelid:int contypid:int
      conindid:int conparentid:int confrelid:int confupdtype:text confdeltype:text confmatchtype:text conislocal:bool coninhcount:int connoinherit:bool
      conkey:smallint[]? confkey:smallint[]? conbin:text?`),
    rows: () => [],
  },
  // Extensions: definite has none (psql's \dx lists none; PostgreSQL's new databases have plpgsql).
  pg_extension: {
    oid: 3079,
    relkind: 'r',
    columns: cols('oid:int extname:text extowner:int extnamespace:int extrelocatable:bool extversion:text extconfig:int[]? extcondition:text[]?'),
    rows: () => [],
  },
  // Rules: a view's _RETURN rule is all Postgres would list, and psql's \d+ asks only for the others.
  pg_rewrite: { oid: 2618, relkind: 'r', columns: cols('oid:int rulename:text ev_class:int ev_type:text ev_enabled:text is_instead:bool ev_qual:text ev_action:text'), rows: () => [] },
  pg_inherits: { oid: 2611, relkind: 'r', columns: cols('inhrelid:int inhparent:int inhseqno:int inhdetachpending:bool'), rows: () => [] },
  // Row security policies, extended statistics and publications: definite has none.
  pg_policy: { oid: 3256, relkind: 'r', columns: cols('oid:int polname:text polrelid:int polcmd:text polpermissive:bool polroles:int[] polqual:text? polwithcheck:text?'), rows: () => [] },
  pg_statistic_ext: {
    oid: 3381,
    relkind: 'r',
    columns: cols('oid:int stxrelid:int stxname:text stxnamespace:int stxowner:int stxstattarget:int stxkeys:smallint[] stxkind:text[] stxexprs:text?'),
    rows: () => [],
  },
  pg_publication: {
    oid: 6104,
    relkind: 'r',
    columns: cols('oid:int pubname:text pubowner:int puballtables:bool pubinsert:bool pubupdate:bool pubdelete:bool pubtruncate:bool pubviaroot:bool'),
    rows: () => [],
  },
  pg_publication_rel: { oid: 6106, relkind: 'r', columns: cols('oid:int prpubid:int prrelid:int prqual:text? prattrs:smallint[]?'), rows: () => [] },
  pg_publication_namespace: { oid: 6237, relkind: 'r', columns: cols('oid:int pnpubid:int pnnspid:int'), rows: () => [] },
  pg_roles: {
    oid: 12001,
    relkind: 'v',
    columns: cols(`rolname:text rolsuper:bool rolinherit:bool rolcreaterole:bool rolcreatedb:bool rolcanlogin:bool rolreplication:bool rolconnlimit:int
      rolpassword:text rolvaliduntil:timestamp? rolbypassrls:bool rolconfig:text? oid:int`),
    rows: (c) => [[c.input.owner, true, true, true, true, true, false, -1, '********', null, true, null, OWNER_OID]],
  },
  pg_views: {
    oid: 12010,
    relkind: 'v',
    columns: cols('schemaname:text viewname:text viewowner:text definition:text?'),
    rows: (c) => c.relations.filter((r) => r.relkind === 'v' && r.object).map((r) => ['public', r.name, c.input.owner, viewDefinition(r.object!)]),
  },
  pg_matviews: {
    oid: 12011,
    relkind: 'v',
    columns: cols('schemaname:text matviewname:text matviewowner:text tablespace:text? hasindexes:bool ispopulated:bool definition:text?'),
    rows: (c) => {
      const indexed = new Set(c.input.objects.filter((o) => o.kind === 'index' && o.on !== undefined).map((o) => o.on!));
      return c.relations.filter((r) => r.relkind === 'm' && r.object).map((r) => ['public', r.name, c.input.owner, null, indexed.has(r.object!.id), true, viewDefinition(r.object!)]);
    },
  },
  // Role membership: definite has one role, a member of none.
  pg_auth_members: { oid: 1261, relkind: 'r', columns: cols('roleid:int member:int grantor:int admin_option:bool'), rows: () => [] },
  // Functions: definite has no user-defined functions, and does not list its built-ins yet
  // (psql's \df, which shows functions outside pg_catalog, prints none, as Postgres for a new database).
  pg_proc: {
    oid: 1255,
    relkind: 'r',
    columns: cols(`oid:int proname:text pronamespace:int proowner:int prolang:int procost:float prorows:float provariadic:int prosupport:int
      prokind:text prosecdef:bool proleakproof:bool proisstrict:bool proretset:bool provolatile:text proparallel:text pronargs:smallint
      pronargdefaults:smallint prorettype:int proargtypes:text proallargtypes:int[]? proargmodes:text[]? proargnames:text[]? proargdefaults:text?
      protrftypes:int[]? prosrc:text probin:text? prosqlbody:text? proconfig:text[]? proacl:text?`),
    rows: () => [],
  },
  // Operators and casts: what definite's planner accepts (pg-operator-catalog.ts).
  pg_operator: {
    oid: 2617,
    relkind: 'r',
    columns: cols(`oid:int oprname:text oprnamespace:int oprowner:int oprkind:text oprcanmerge:bool oprcanhash:bool oprleft:int oprright:int
      oprresult:int oprcom:int oprnegate:int oprcode:int oprrest:int oprjoin:int`),
    rows: () => operatorRows(),
  },
  pg_cast: { oid: 2605, relkind: 'r', columns: cols('oid:int castsource:int casttarget:int castfunc:int castcontext:text castmethod:text'), rows: () => castRows() },
  // Enum types: definite has none.
  pg_enum: { oid: 3501, relkind: 'r', columns: cols('oid:int enumtypid:int enumsortorder:float enumlabel:text'), rows: () => [] },
  // Postgres' built-in languages (its fixed oids); definite runs no user code in any.
  pg_language: {
    oid: 2612,
    relkind: 'r',
    columns: cols('oid:int lanname:text lanowner:int lanispl:bool lanpltrusted:bool lanplcallfoid:int laninline:int lanvalidator:int lanacl:text?'),
    rows: () => [[12, 'internal', OWNER_OID, false, false, 0, 0, 0, null], [13, 'c', OWNER_OID, false, false, 0, 0, 0, null], [14, 'sql', OWNER_OID, false, true, 0, 0, 0, null]],
  },
  pg_user: {
    oid: 12002,
    relkind: 'v',
    columns: cols('usename:text usesysid:int usecreatedb:bool usesuper:bool userepl:bool usebypassrls:bool passwd:text valuntil:timestamp? useconfig:text?'),
    rows: (c) => [[c.input.owner, OWNER_OID, true, true, false, true, '********', null, null]],
  },
};

const INFORMATION_SCHEMA: Record<string, Definition> = {
  tables: {
    oid: 12101,
    relkind: 'v',
    columns: cols(`table_catalog:text table_schema:text table_name:text table_type:text self_referencing_column_name:text? reference_generation:text?
      user_defined_type_catalog:text? user_defined_type_schema:text? user_defined_type_name:text? is_insertable_into:text is_typed:text commit_action:text?`),
    rows: (c) =>
      c.relations
        .filter((r) => r.relkind === 'r' || r.relkind === 'v')
        .map((r) => [c.input.database, schemaName(r.namespace), r.name, r.relkind === 'r' ? 'BASE TABLE' : 'VIEW', null, null, null, null, null, r.object?.kind === 'table' ? 'YES' : 'NO', 'NO', null]),
  },
  columns: {
    oid: 12102,
    relkind: 'v',
    columns: cols(`table_catalog:text table_schema:text table_name:text column_name:text ordinal_position:int column_default:text? is_nullable:text
      data_type:text character_maximum_length:int? numeric_precision:int? numeric_precision_radix:int? numeric_scale:int? datetime_precision:int?
      udt_catalog:text udt_schema:text udt_name:text is_identity:text is_generated:text is_updatable:text`),
    rows: (c) =>
      c.relations
        .filter((r) => r.relkind !== 'i')
        .flatMap((r) =>
          r.columns.map((col, i) => {
            const t = pgTypeOfColumn(col.type);
            const precision = col.type === 'smallint' ? 16 : col.type === 'int' ? 32 : col.type === 'bigint' ? 64 : col.type === 'float' ? 53 : col.type === 'real' ? 24 : null;
            const radix = precision !== null ? 2 : null;
            const scale = precision !== null && col.type !== 'float' && col.type !== 'real' ? 0 : null;
            return [c.input.database, schemaName(r.namespace), r.name, col.name, i + 1, null, col.nullable ? 'YES' : 'NO', t.sqlName, null, precision, radix, scale, col.type === 'timestamp' || col.type === 'timestamptz' ? 3 : null, c.input.database, 'pg_catalog', t.typname, 'NO', 'NEVER', r.object?.kind === 'table' ? 'YES' : 'NO'];
          }),
        ),
  },
  views: {
    oid: 12103,
    relkind: 'v',
    columns: cols(`table_catalog:text table_schema:text table_name:text view_definition:text? check_option:text is_updatable:text is_insertable_into:text
      is_trigger_updatable:text is_trigger_deletable:text is_trigger_insertable_into:text`),
    rows: (c) =>
      c.relations.filter((r) => r.relkind === 'v' && r.object).map((r) => [c.input.database, 'public', r.name, r.object!.query ?? null, 'NONE', 'NO', 'NO', 'NO', 'NO', 'NO']),
  },
  schemata: {
    oid: 12104,
    relkind: 'v',
    columns: cols('catalog_name:text schema_name:text schema_owner:text default_character_set_catalog:text? default_character_set_schema:text? default_character_set_name:text? sql_path:text?'),
    rows: (c) => Object.keys(NAMESPACE).map((n) => [c.input.database, n, c.input.owner, null, null, null, null]),
  },
};

function schemaName(namespace: number): string {
  return Object.entries(NAMESPACE).find(([, oid]) => oid === namespace)?.[0] ?? 'public';
}

const SCHEMAS: Record<SystemSchema, Record<string, Definition>> = { pg_catalog: PG_CATALOG, information_schema: INFORMATION_SCHEMA };

/** Whether `name` is a system schema (its relations are answered here). */
export function isSystemSchema(name: string): name is SystemSchema {
  return name === 'pg_catalog' || name === 'information_schema';
}

/** The relations of definite's system catalog, derived from one description of its objects. */
export class SystemCatalog {
  private readonly context: Context;
  private readonly built = new Map<string, SystemRelation>();

  constructor(input: SystemCatalogInput) {
    const system = (Object.entries(SCHEMAS) as Array<[SystemSchema, Record<string, Definition>]>).flatMap(([schema, defs]) =>
      Object.entries(defs).map(([name, d]) => ({ oid: d.oid, name, namespace: NAMESPACE[schema], relkind: d.relkind, columns: d.columns })),
    );
    const user = input.objects.map((o) => ({ oid: oidOf(o.id), name: o.name, namespace: NAMESPACE.public, relkind: RELKIND[o.kind], columns: o.kind === 'index' ? [] : o.columns, object: o }));
    this.context = { input, relations: [...system, ...user] };
  }

  /** The relation `schema.name`, or undefined when the schema has none of that name. */
  relation(schema: SystemSchema, name: string): SystemRelation | undefined {
    const def = Object.prototype.hasOwnProperty.call(SCHEMAS[schema], name) ? SCHEMAS[schema][name] : undefined;
    if (!def) return undefined;
    const key = `${schema}.${name}`;
    let rel = this.built.get(key);
    if (!rel) {
      rel = { oid: def.oid, columns: def.columns, rows: def.rows(this.context) };
      this.built.set(key, rel);
    }
    return rel;
  }
}

/**
 * `user` (the resolver of `public`) with the system schemas: `pg_catalog.*` and
 * `information_schema.*` are constant relations of `system()` (built on first use), and an
 * unqualified name is looked up in pg_catalog first, as Postgres' search path does.
 */
export function withSystemRelations(user: RelationResolver, system: () => SystemCatalog): RelationResolver {
  let catalog: SystemCatalog | undefined;
  const lookup = (schema: SystemSchema, name: string): ResolvedRelation | undefined => {
    catalog ??= system();
    const rel = catalog.relation(schema, name);
    return rel ? { kind: 'constant', id: `${schema}.${name}`, columns: rel.columns, rows: rel.rows } : undefined;
  };
  return (name, schema) => {
    if (schema !== undefined && isSystemSchema(schema)) return lookup(schema, name);
    return (schema === undefined ? lookup('pg_catalog', name) : undefined) ?? user(name, schema);
  };
}
