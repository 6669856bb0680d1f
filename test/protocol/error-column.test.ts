/**
 * The error column of materialized views' collections (protocol/error-column.ts): the rows the
 * sink writes split back into the view's rows and its errors, in both update shapes.
 */
import { dataRow, errorRow, splitColumns, splitContents, splitUpdates, withErrorColumn } from '../../protocol/error-column.js';
import { encode, decode } from '../../protocol/codec.js';

test('a view schema gains a nullable mz_error column, every column nullable', () => {
  expect(withErrorColumn([{ name: 'a', type: 'int', nullable: false }])).toEqual([
    { name: 'a', type: 'int', nullable: true },
    { name: 'mz_error', type: 'text', nullable: true },
  ]);
});

test('data and error rows round-trip through msgpack and split back', () => {
  const rows = decode(encode([dataRow([1, 'x']), errorRow('integer out of range', 2), dataRow([null, 'y'])])) as Array<Array<unknown>>;
  expect(rows[1]).toEqual([null, null, 'integer out of range']);
  const { data, errors } = splitColumns({ rows: rows as never, times: [5, 6, 7], diffs: [1, 2, -1] });
  expect(data).toEqual({ rows: [[1, 'x'], [null, 'y']], times: [5, 7], diffs: [1, -1] });
  expect(errors).toEqual([['integer out of range', 6, 2]]);
});

test('without errors the arrays are kept, rows stripped in place', () => {
  const updates = { rows: [dataRow([1]), dataRow([2])], times: [1, 1], diffs: [1, 1] };
  const { data, errors } = splitColumns(updates);
  expect(data).toBe(updates);
  expect(data.rows).toEqual([[1], [2]]);
  expect(errors).toEqual([]);
});

test('updates and contents split the same way', () => {
  expect(splitUpdates([[dataRow([1]), 3, 1], [errorRow('division by zero', 1), 4, 1]])).toEqual({
    data: [[[1], 3, 1]],
    errors: [['division by zero', 4, 1]],
  });
  expect(splitContents([[errorRow('e', 1), 2], [dataRow([7]), 1]])).toEqual({ rows: [[[7], 1]], errors: [['e', 2]] });
});
