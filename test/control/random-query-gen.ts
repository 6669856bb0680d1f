/**
 * A seeded generator of random SQL over two small tables, `r (a int, b int, c text, n numeric)`
 * and `s (a int, d int)`, for the differential tests against PostgreSQL (random-queries.test.ts).
 * Values are small (0..5, 'x'/'y'/'z', decimals like 1.25) with NULLs, so joins, groups and NULL
 * cases are common. All of a query's rows are compared; a LIMIT comes only after an ORDER BY of
 * every output column, so ties cannot change the answer. Some expressions overflow int4 on
 * purpose (PostgreSQL's 22003 must then be definite's answer too).
 */

export class QueryGen {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** mulberry32: a float in [0, 1). */
  random(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  small(): string {
    return this.random() < 0.2 ? 'NULL' : String(this.int(6));
  }

  text(): string {
    return this.random() < 0.2 ? 'NULL' : `'${this.pick(['x', 'y', 'z'])}'`;
  }

  /** An int expression over `cols` (qualified names), of depth at most `depth`. */
  intExpr(cols: string[], depth = 2): string {
    if (depth <= 0 || this.random() < 0.35) return this.random() < 0.75 ? this.pick(cols) : String(this.int(6));
    const e = () => this.intExpr(cols, depth - 1);
    if (this.random() < 0.03) return `(${e()} ${this.pick(['+', '*', '-'])} ${this.pick(['2147483647', '-2147483647', '1073741824'])})`;
    if (this.random() < 0.05) return `length(${this.textExpr()})`;
    switch (this.int(9)) {
      case 0: return `(${e()} + ${e()})`;
      case 1: return `(${e()} - ${e()})`;
      case 2: return `(${e()} * ${e()})`;
      case 3: return `(${e()} / ${1 + this.int(4)})`;
      case 4: return `(${e()} % ${1 + this.int(4)})`;
      case 5: return `abs(${e()})`;
      case 6: return `CASE WHEN ${this.pred(cols, depth - 1)} THEN ${e()} ELSE ${e()} END`;
      case 7: return `coalesce(${e()}, ${e()})`;
      default: return `nullif(${e()}, ${e()})`;
    }
  }

  /** A numeric expression over r.n and an int expression. */
  numExpr(cols: string[]): string {
    const n = this.random() < 0.8 ? 'r.n' : this.pick(['1.5', '0.1', '-2.25']);
    switch (this.int(8)) {
      case 0: return `(${n} + ${this.intExpr(cols, 1)})`;
      case 1: return `(${n} * ${this.pick(['2', '0.5', 'r.n', '3.3'])})`;
      case 2: return `round(${n}, ${this.int(3)})`;
      case 3: return `round(${n})`;
      case 4: return `(${n} - ${this.pick(['0.3', 'r.n', '1'])})`;
      case 5: return `(${n} / ${this.pick(['4', '2.5', '8'])})`;
      case 6: return `abs(${n})`;
      default: return n;
    }
  }

  /** A text expression over r.c. */
  textExpr(): string {
    switch (this.int(6)) {
      case 0: return 'upper(r.c)';
      case 1: return "(r.c || 'q')";
      case 2: return "coalesce(r.c, 'w')";
      case 3: return 'substr(r.c, 1, 1)';
      case 4: return "replace(r.c, 'x', 'ab')";
      default: return 'r.c';
    }
  }

  /** A float expression: rounding of halves is to even for floats (numeric: away from zero). */
  floatExpr(cols: string[]): string {
    const e = this.intExpr(cols, 1);
    switch (this.int(4)) {
      case 0: return `round(${e}::float8 / 2)`;
      case 1: return `(${e}::float8 / 4)::int`;
      case 2: return `(${e}::numeric / 2)::int`;
      default: return `round((${e} / 2.0)::numeric)`;
    }
  }

  /** A boolean expression over `cols`; `text` names a text column usable in LIKE / = 'x'. */
  pred(cols: string[], depth = 2, text?: string): string {
    const e = () => this.intExpr(cols, 1);
    if (depth <= 0 || this.random() < 0.4) {
      switch (this.int(7)) {
        case 0: return `${e()} IS NULL`;
        case 1: return `${e()} IS NOT NULL`;
        case 2: return `${e()} BETWEEN ${this.int(3)} AND ${2 + this.int(4)}`;
        case 3: return `${e()} ${this.random() < 0.3 ? 'NOT ' : ''}IN (${this.small()}, ${this.int(6)}, ${this.int(6)})`;
        case 4:
          if (!text) return `${e()} = ${e()}`;
          return this.random() < 0.5 ? `${text} LIKE '${this.pick(['x', 'y', '%', '_'])}%'` : `${text} = ${this.text()}`;
        default: return `${e()} ${this.pick(['=', '<>', '<', '<=', '>', '>='])} ${e()}`;
      }
    }
    const p = () => this.pred(cols, depth - 1, text);
    switch (this.int(3)) {
      case 0: return `(${p()} AND ${p()})`;
      case 1: return `(${p()} OR ${p()})`;
      default: return `NOT (${p()})`;
    }
  }

  /** A subquery predicate on `outer` (an int expression), correlated on r.a when asked. */
  subqueryPred(outer: string, correlated: boolean): string {
    const where = correlated ? 'WHERE s.a = r.a' : `WHERE s.d ${this.pick(['<', '>', '<>'])} ${this.int(6)}`;
    switch (this.int(3)) {
      case 0: return `${outer} ${this.random() < 0.4 ? 'NOT ' : ''}IN (SELECT s.d FROM s ${where})`;
      case 1: return `${this.random() < 0.4 ? 'NOT ' : ''}EXISTS (SELECT 1 FROM s ${where} AND s.d ${this.pick(['<', '>'])} ${outer})`;
      default: return `${outer} ${this.pick(['=', '<', '>='])} (SELECT ${this.pick(['max', 'min', 'count'])}(s.d) FROM s ${where})`;
    }
  }

  /** One random query. */
  query(): string {
    const R = ['r.a', 'r.b'];
    const J = ['r.a', 'r.b', 's.a', 's.d'];
    switch (this.int(12)) {
      case 9: { // outer joins of every kind
        const kind = this.pick(['RIGHT JOIN', 'FULL JOIN', 'LEFT JOIN']);
        return `SELECT r.a, r.b, s.a AS sa, s.d, coalesce(r.b, s.d, -1) AS x FROM r ${kind} s ON r.a = s.a${this.random() < 0.4 ? ` AND r.b ${this.pick(['<', '>', '='])} s.d` : ''}`;
      }
      case 10: { // window functions whose answers ties cannot change
        const fn = this.pick(['rank()', 'dense_rank()', 'sum(r.b)', 'count(*)', 'max(r.b)', 'min(r.a)']);
        const part = this.random() < 0.6 ? 'PARTITION BY r.c ' : '';
        return `SELECT r.a, r.b, r.c, ${fn} OVER (${part}ORDER BY r.a${this.random() < 0.5 ? ' DESC' : ''}) AS w FROM r WHERE ${this.pred(R, 1, 'r.c')}`;
      }
      case 11: // CTEs, scalar subqueries in the select list, FILTER
        return `WITH g AS (SELECT r.a AS k, count(*) AS n, sum(r.b) FILTER (WHERE r.b > ${this.int(4)}) AS f FROM r GROUP BY r.a) SELECT g.k, g.n, g.f, (SELECT max(s.d) FROM s WHERE s.a = g.k) AS m FROM g WHERE g.n ${this.pick(['>=', '<'])} ${this.int(3)}`;
      case 0: // projection and filter
        return `SELECT ${this.random() < 0.3 ? 'DISTINCT ' : ''}${this.intExpr(R)} AS x, r.c, ${this.intExpr(R)} AS y FROM r WHERE ${this.pred(R, 2, 'r.c')}`;
      case 7: // numeric, text and float expressions
        return `SELECT ${this.numExpr(R)} AS x, ${this.textExpr()} AS t, ${this.floatExpr(R)} AS f FROM r WHERE ${this.random() < 0.5 ? `r.n ${this.pick(['<', '>=', '<>'])} ${this.pick(['1.25', '0.3', 'r.a'])}` : this.pred(R, 1, 'r.c')}`;
      case 8: { // ORDER BY every output column, then LIMIT
        const dir = () => this.pick(['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST']);
        return `SELECT ${this.intExpr(R, 1)} AS x, r.c, r.n FROM r WHERE ${this.pred(R, 1, 'r.c')} ORDER BY 1${dir()}, 2${dir()}, 3${dir()} LIMIT ${1 + this.int(6)}${this.random() < 0.3 ? ` OFFSET ${this.int(3)}` : ''}`;
      }
      case 1: { // group by
        const g = this.random() < 0.5 ? 'r.c' : this.intExpr(R, 1);
        const having = this.random() < 0.4 ? ` HAVING count(*) > ${this.int(3)}` : '';
        return `SELECT ${g} AS g, ${this.agg(R)} AS m, ${this.agg(R)} AS n, count(*) AS k FROM r WHERE ${this.pred(R, 1, 'r.c')} GROUP BY ${g}${having}`;
      }
      case 2: // global aggregate (one row, also over no rows)
        return `SELECT ${this.agg(R)} AS m, ${this.agg(R)} AS n, count(*) AS k FROM r WHERE ${this.pred(R, 2, 'r.c')}`;
      case 3: { // joins
        const kind = this.pick(['JOIN', 'LEFT JOIN', 'JOIN']);
        const on = this.random() < 0.3 ? `r.a = s.a AND ${this.pred(J, 0)}` : 'r.a = s.a';
        return `SELECT r.a, r.b, s.d, ${this.intExpr(J, 1)} AS x FROM r ${kind} s ON ${on} WHERE ${this.random() < 0.5 ? this.pred(kind === 'JOIN' ? J : R, 1) : 'true'}`;
      }
      case 4: { // join + group
        const g = this.pick(['r.a', 's.d', 'r.c']);
        return `SELECT ${g} AS g, ${this.agg(J)} AS m, count(*) AS k FROM r JOIN s ON r.a = s.a WHERE ${this.pred(J, 1)} GROUP BY ${g}`;
      }
      case 5: { // set operations
        const op = this.pick(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT', 'INTERSECT ALL', 'EXCEPT ALL']);
        return `SELECT ${this.intExpr(R, 1)} AS x FROM r WHERE ${this.pred(R, 1)} ${op} SELECT ${this.intExpr(['s.a', 's.d'], 1)} FROM s WHERE ${this.pred(['s.a', 's.d'], 1)}`;
      }
      default: // subqueries in WHERE and in the select list
        return `SELECT r.a, r.b, r.c FROM r WHERE ${this.subqueryPred(this.intExpr(R, 1), this.random() < 0.5)}${this.random() < 0.3 ? ` AND ${this.pred(R, 1)}` : ''}`;
    }
  }

  agg(cols: string[]): string {
    const e = cols.includes('r.a') && this.random() < 0.2 ? this.numExpr(cols) : this.intExpr(cols, 1);
    switch (this.int(7)) {
      case 0: return `count(${e})`;
      case 1: return `sum(${e})`;
      case 2: return `min(${e})`;
      case 3: return `max(${e})`;
      case 4: return `avg(${e})`;
      case 5: return `count(DISTINCT ${e})`;
      default: return `sum(DISTINCT ${e})`;
    }
  }

  /** `make()`'s first text without an overflowing literal (writes must succeed in both). */
  private noOverflow(make: () => string): string {
    for (;;) {
      const text = make();
      if (!/2147483647|1073741824/.test(text)) return text;
    }
  }

  /** One round of random writes to both tables. */
  writes(): string[] {
    return [
      `INSERT INTO r VALUES ${randomRows(this, 'r', 1 + this.int(4))}`,
      `INSERT INTO s VALUES ${randomRows(this, 's', 1 + this.int(3))}`,
      `DELETE FROM ${this.pick(['r', 's'])} WHERE a = ${this.int(6)}${this.random() < 0.5 ? ' OR a IS NULL' : ''}`,
      `UPDATE r SET b = (${this.noOverflow(() => this.intExpr(['a', 'b'], 1))}) % 7 WHERE ${this.noOverflow(() => this.pred(['a', 'b'], 1))}`,
      `UPDATE s SET d = d + 1 WHERE d ${this.pick(['<', '>'])} ${this.int(6)}`,
    ];
  }
}

/** `n` random rows for `table` as a VALUES list. */
export function randomRows(g: QueryGen, table: 'r' | 's', n: number): string {
  const decimal = () => (g.random() < 0.2 ? 'NULL' : g.pick(['1.25', '-2.5', '0.1', '3', '0.35', '10.75', '2.5', '-0.5']));
  return Array.from({ length: n }, () => (table === 'r' ? `(${g.small()}, ${g.small()}, ${g.text()}, ${decimal()})` : `(${g.small()}, ${g.small()})`)).join(', ');
}
