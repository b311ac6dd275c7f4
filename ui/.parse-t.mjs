import { parser } from '@grafana/lezer-logql';
import { TreeFragment } from '@lezer/common';
let doc = '';
let tree = parser.parse(doc);
let frags = TreeFragment.addTree(tree);
for (const ch of process.argv[2]) {
  const from = doc.length;
  doc += ch;
  frags = TreeFragment.applyChanges(frags, [{ fromA: from, toA: from, fromB: from, toB: from + 1 }]);
  const t0 = Date.now();
  tree = parser.parse(doc, frags);
  frags = TreeFragment.addTree(tree, frags);
  console.log(JSON.stringify(doc), tree.toString(), Date.now() - t0, 'ms');
}
