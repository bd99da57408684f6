// Lists every way a TypeScript file can overrule the types instead of using them: `x as T` (and `as const`),
// `<T>x`, `x!`, `any`, and @ts-ignore / @ts-expect-error / @ts-nocheck. Usage: node test/no-casts.mjs FILE...
// Prints a JSON array of "file:line: what: text"; tests/clients/test_typescript_client.py wants it empty.
import { readFileSync } from "node:fs";
import ts from "typescript";

const KINDS = new Map([
  [ts.SyntaxKind.AsExpression, "as-cast"],
  [ts.SyntaxKind.TypeAssertionExpression, "angle-bracket cast"],
  [ts.SyntaxKind.NonNullExpression, "non-null assertion"],
  [ts.SyntaxKind.AnyKeyword, "any"],
]);

const findings = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const where = (pos) => `${file}:${source.getLineAndCharacterOfPosition(pos).line + 1}`;
  const visit = (node) => {
    const kind = KINDS.get(node.kind);
    if (kind) findings.push(`${where(node.getStart())}: ${kind}: ${node.getText().slice(0, 80)}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const match of text.matchAll(/@ts-(ignore|expect-error|nocheck)/g)) {
    findings.push(`${where(match.index)}: suppressed error: ${match[0]}`);
  }
}
console.log(JSON.stringify(findings));
