/**
 * The TPC-H data generator: rows shaped as dbgen makes them (TPC-H spec 4.2.3: key ranges,
 * sparse order keys, partsupp's supplier formula, customers with custkey % 3 = 0 placing no
 * orders, the p_name colours, p_type / p_container syllables, phone country codes, date ranges,
 * returnflag / linestatus from the current date, o_orderstatus and o_totalprice from the lines,
 * comments from dbgen's word lists). Not bit-compatible with dbgen: every random draw comes
 * from a PRNG seeded by (table, key), so each row is a pure function of its offset and the scale
 * factor, the same on every run and after every restart. Money is carried in cents and written
 * as the numeric(15,2) value at scale 2 (protocol/numeric.ts: 12.50 prints 12.50); dates are day numbers.
 */
import type { Row } from '../../../protocol/types.js';
import { numericValue, type NumericValue } from '../../../protocol/numeric.js';
import { tpchOffsets, type TpchTable } from '../../../protocol/storage/tpch.js';

/** mulberry32 over a 32-bit mix of (salt, key): an independent stream per row. */
function rowRng(salt: number, key: number): () => number {
  let s = (Math.imul(key ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(salt, 0x85ebca6b)) >>> 0;
  s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi]. */
const between = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const cents = (n: number): NumericValue => numericValue({ mant: BigInt(n), scale: 2 });
const pad9 = (n: number): string => String(n).padStart(9, '0');

const DAY0 = Date.UTC(1992, 0, 1) / 86_400_000; // STARTDATE
const CURRENTDATE = Date.UTC(1995, 5, 17) / 86_400_000;
const ENDDATE = Date.UTC(1998, 11, 31) / 86_400_000;

const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
const NATIONS: Array<[string, number]> = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0], ['FRANCE', 3], ['GERMANY', 3],
  ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4], ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0],
  ['MOZAMBIQUE', 0], ['PERU', 1], ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
const COLORS = (
  'almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood burnished chartreuse chiffon chocolate ' +
  'coral cornflower cornsilk cream cyan dark deep dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green ' +
  'grey honeydew hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium metallic midnight mint ' +
  'misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum powder puff purple red rose rosy royal saddle ' +
  'salmon sandy seashell sienna sky slate smoke snow spring steel tan thistle tomato turquoise violet wheat white yellow'
).split(' ');
const TYPE1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONTAINER1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONTAINER2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const INSTRUCTIONS = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];

// dbgen's text grammar, reduced to its word lists: sentences of adjective? noun verb adverb? preposition-phrase.
const NOUNS = ('foxes ideas theodolites pinto beans instructions dependencies excuses platelets asymptotes courts dolphins multipliers ' +
  'sauternes warthogs frets dinos attainments somas Tiresias patterns forges braids hockey players frays warhorses dugouts notornis ' +
  'epitaphs pearls tithes waters orbits gifts sheaves depths sentiments decoys realms pains grouches escapades packages requests accounts deposits').split(' ');
const VERBS = ('sleep wake are cajole haggle nag use boost affix detect integrate maintain nod was lose sublate solve thrash promise ' +
  'engage hinder print x-ray breach eat grow impress mold poach serve run dazzle snooze doze unwind kindle play hang believe doubt').split(' ');
const ADJECTIVES = ('special pending unusual express furious sly careful blithe quick fluffy slow quiet ruthless thin close dogged daring ' +
  'brave stealthy permanent enticing idle busy regular final ironic even bold silent').split(' ');
const ADVERBS = ('sometimes always never furiously slyly carefully blithely quickly fluffily slowly quietly ruthlessly thinly closely ' +
  'doggedly daringly bravely stealthily permanently enticingly idly busily regularly finally ironically evenly boldly silently').split(' ');
const PREPOSITIONS = ('about above according to across after against along alongside of among around at atop before behind beneath ' +
  'beside besides between beyond by despite during except for from in place of inside instead of into near of on outside over past ' +
  'since through throughout to toward under until up upon without with within').split(' ');

function sentence(r: () => number): string {
  const words: string[] = [];
  if (r() < 0.5) words.push(pick(r, ADJECTIVES));
  words.push(pick(r, NOUNS), pick(r, VERBS));
  if (r() < 0.5) words.push(pick(r, ADVERBS));
  if (r() < 0.5) words.push(pick(r, PREPOSITIONS), 'the', pick(r, ADJECTIVES), pick(r, NOUNS));
  return words.join(' ');
}

/** Text of a length in [lo, hi], as dbgen's comments (TPC-H 4.2.2.10). */
function text(r: () => number, lo: number, hi: number): string {
  const len = between(r, lo, hi);
  let s = '';
  while (s.length < len) s += (s ? '. ' : '') + sentence(r);
  return s.slice(0, len).trimEnd();
}

/** A random alphanumeric string of length in [lo, hi] (dbgen's v-string, for addresses). */
function vstring(r: () => number, lo: number, hi: number): string {
  const chars = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,';
  const len = between(r, lo, hi);
  let s = '';
  for (let i = 0; i < len; i++) s += chars[Math.floor(r() * chars.length)];
  return s;
}

function phone(r: () => number, nation: number): string {
  return `${nation + 10}-${between(r, 100, 999)}-${between(r, 100, 999)}-${between(r, 1000, 9999)}`;
}

/** p_retailprice in cents, a function of the key (TPC-H 4.2.3). */
function retailCents(partkey: number): number {
  return 90_000 + (Math.floor(partkey / 10) % 20_001) + 100 * (partkey % 1000);
}

/** The i-th (0..3) supplier of a part (TPC-H 4.2.3, PS_SUPPKEY). */
function partSupplier(partkey: number, i: number, suppliers: number): number {
  return ((partkey + i * (Math.floor(suppliers / 4) + Math.floor((partkey - 1) / suppliers))) % suppliers) + 1;
}

/** The sparse order key of order n (1-based): the first 8 of every 32 keys. */
export function orderKey(n: number): number {
  return Math.floor((n - 1) / 8) * 32 + ((n - 1) % 8) + 1;
}

const SALT: Record<TpchTable, number> = { customer: 1, lineitem: 2, nation: 3, orders: 2, part: 4, partsupp: 5, region: 6, supplier: 7 };

function supplierRow(key: number, sf: number): Row {
  const r = rowRng(SALT.supplier, key);
  const nation = between(r, 0, 24);
  let comment = text(r, 25, 100);
  // SF * 5 suppliers each have complaints and recommendations (TPC-H 4.2.3, S_COMMENT).
  const n = tpchOffsets('supplier', sf);
  const special = Math.max(1, Math.round(sf * 5));
  const slot = (Math.imul(key, 2654435761) >>> 0) % n;
  if (slot < special) comment = `${comment.slice(0, 40)} Customer ${comment.slice(40, 60)}Complaints`;
  else if (slot < 2 * special) comment = `${comment.slice(0, 40)} Customer ${comment.slice(40, 60)}Recommends`;
  return [key, `Supplier#${pad9(key)}`, vstring(r, 10, 40), nation, phone(r, nation), cents(between(r, -99_999, 999_999)), comment];
}

function partRow(key: number): Row {
  const r = rowRng(SALT.part, key);
  const colors = new Set<string>();
  while (colors.size < 5) colors.add(pick(r, COLORS));
  const m = between(r, 1, 5);
  return [
    key, [...colors].join(' '), `Manufacturer#${m}`, `Brand#${m}${between(r, 1, 5)}`, `${pick(r, TYPE1)} ${pick(r, TYPE2)} ${pick(r, TYPE3)}`,
    between(r, 1, 50), `${pick(r, CONTAINER1)} ${pick(r, CONTAINER2)}`, cents(retailCents(key)), text(r, 5, 22),
  ];
}

function partsuppRow(offset: number, sf: number): Row {
  const partkey = Math.floor((offset - 1) / 4) + 1;
  const r = rowRng(SALT.partsupp, offset);
  return [partkey, partSupplier(partkey, (offset - 1) % 4, tpchOffsets('supplier', sf)), between(r, 1, 9999), cents(between(r, 100, 100_000)), text(r, 49, 198)];
}

function customerRow(key: number): Row {
  const r = rowRng(SALT.customer, key);
  const nation = between(r, 0, 24);
  return [key, `Customer#${pad9(key)}`, vstring(r, 10, 40), nation, phone(r, nation), cents(between(r, -99_999, 999_999)), pick(r, SEGMENTS), text(r, 29, 116)];
}

/** Order n (1-based) and its line items: generated together, as o_orderstatus and o_totalprice depend on the lines. */
export function tpchOrder(n: number, sf: number): { order: Row; lines: Row[] } {
  const r = rowRng(SALT.orders, n);
  const key = orderKey(n);
  const customers = tpchOffsets('customer', sf);
  let cust = between(r, 1, customers);
  while (cust % 3 === 0 && customers > 2) cust = between(r, 1, customers); // a third of the customers place no orders
  const date = between(r, DAY0, ENDDATE - 151);
  const parts = tpchOffsets('part', sf);
  const suppliers = tpchOffsets('supplier', sf);
  const lines: Row[] = [];
  let total = 0;
  let shippedF = 0;
  const count = between(r, 1, 7);
  for (let line = 1; line <= count; line++) {
    const part = between(r, 1, parts);
    const supp = partSupplier(part, between(r, 0, 3), suppliers);
    const qty = between(r, 1, 50);
    const ext = qty * retailCents(part);
    const disc = between(r, 0, 10);
    const tax = between(r, 0, 8);
    const ship = date + between(r, 1, 121);
    const commit = date + between(r, 30, 90);
    const receipt = ship + between(r, 1, 30);
    const returnflag = receipt <= CURRENTDATE ? (r() < 0.5 ? 'R' : 'A') : 'N';
    const linestatus = ship > CURRENTDATE ? 'O' : 'F';
    if (linestatus === 'F') shippedF++;
    total += Math.round((ext * (100 + tax) * (100 - disc)) / 10_000);
    lines.push([key, part, supp, line, qty, cents(ext), cents(disc), cents(tax), returnflag, linestatus, ship, commit, receipt, pick(r, INSTRUCTIONS), pick(r, MODES), text(r, 10, 43)]);
  }
  const status = shippedF === count ? 'F' : shippedF === 0 ? 'O' : 'P';
  const clerk = `Clerk#${pad9(between(r, 1, Math.max(1, Math.floor(sf * 1000))))}`;
  const order: Row = [key, cust, status, cents(total), date, pick(r, PRIORITIES), clerk, 0, text(r, 19, 78)];
  return { order, lines };
}

/** The rows of `table` at `offset` (1-based, up to tpchOffsets(table, sf)). */
export function tpchRows(table: TpchTable, sf: number, offset: number): Row[] {
  switch (table) {
    case 'region':
      return [[offset - 1, REGIONS[offset - 1]!, text(rowRng(SALT.region, offset), 31, 115)]];
    case 'nation': {
      const [name, region] = NATIONS[offset - 1]!;
      return [[offset - 1, name, region, text(rowRng(SALT.nation, offset), 31, 114)]];
    }
    case 'supplier':
      return [supplierRow(offset, sf)];
    case 'part':
      return [partRow(offset)];
    case 'partsupp':
      return [partsuppRow(offset, sf)];
    case 'customer':
      return [customerRow(offset)];
    case 'orders':
      return [tpchOrder(offset, sf).order];
    case 'lineitem':
      return tpchOrder(offset, sf).lines;
  }
}
