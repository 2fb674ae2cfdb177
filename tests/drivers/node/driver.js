// Runs one Pulumi operation on an inline program with the Automation API, for the Go tests:
//
//   node driver.js <program module> <project> <stack> <work dir> <op>    (stack config as JSON on stdin)
//
// <program module> exports `program`, e.g. the compiled examples/typescript/program.ts. <op> is
// up, preview (with diff), refresh or destroy. The last line printed is the result:
// {"stdout": ..., "changes": {...}, "outputs": {...}}. @pulumi/pulumi comes from NODE_PATH, which
// must be where the program finds it too, so both share one Pulumi runtime.
"use strict";
const fs = require("fs");
const { LocalWorkspace } = require("@pulumi/pulumi/automation");

async function main() {
    const [programModule, projectName, stackName, workDir, op] = process.argv.slice(2);
    const config = JSON.parse(fs.readFileSync(0, "utf8"));
    const { program } = require(programModule);
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName, program }, { workDir });
    await stack.setAllConfig(config);
    const opts = { color: "never" };
    let result;
    switch (op) {
        case "up": {
            const r = await stack.up(opts);
            const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
            result = { stdout: r.stdout + r.stderr, changes: r.summary.resourceChanges, outputs };
            break;
        }
        case "preview": {
            const r = await stack.preview({ ...opts, diff: true });
            result = { stdout: r.stdout + r.stderr, changes: r.changeSummary };
            break;
        }
        case "refresh":
        case "destroy": {
            const r = await stack[op](opts);
            result = { stdout: r.stdout + r.stderr, changes: r.summary.resourceChanges };
            break;
        }
        default:
            throw new Error(`unknown operation ${op}`);
    }
    process.stdout.write("\n" + JSON.stringify(result) + "\n");
}

main().catch((err) => {
    console.error(err instanceof Error ? err.stack || err.message : err);
    process.exit(1);
});
