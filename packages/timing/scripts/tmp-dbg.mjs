import { recordMovePagesRun } from '../dist/index.js';
for (const [lanes, count] of [[1, 4096], [1, 65536], [1, 131072], [2, 262144], [1, 200000]]) {
  const r = await recordMovePagesRun({ folioSize: 4096, count, path: 'dcbm', lanes });
  const o = r.log.toJSON().ops.filter((x) => x[0] === 11 || x[0] === 6);
  console.log(lanes, count, JSON.stringify(o.slice(0, 4)), r.rcs);
}
