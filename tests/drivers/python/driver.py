"""Runs one Pulumi operation on an inline program with the Automation API, for the Go tests.

    python driver.py <program dir> <project> <stack> <work dir> <op>    (stack config as JSON on stdin)

<program dir> holds awsauth.py, which defines program(), e.g. examples/python. <op> is up,
preview (with diff), refresh or destroy. The last line printed is the result:
{"stdout": ..., "changes": {...}, "outputs": {...}}.
"""

import json
import sys

from pulumi import automation as auto


def main() -> None:
    program_dir, project, stack_name, work_dir, op = sys.argv[1:6]
    config = json.load(sys.stdin)
    sys.path.insert(0, program_dir)
    from awsauth import program

    stack = auto.create_or_select_stack(
        stack_name=stack_name, project_name=project, program=program, work_dir=work_dir
    )
    stack.set_all_config(
        {k: auto.ConfigValue(value=v["value"], secret=v["secret"]) for k, v in config.items()}
    )

    def changes(summary):
        return {getattr(k, "value", k): n for k, n in (summary or {}).items()}

    if op == "up":
        r = stack.up(color="never")
        result = {
            "stdout": r.stdout + (r.stderr or ""),
            "changes": changes(r.summary.resource_changes),
            "outputs": {k: v.value for k, v in r.outputs.items()},
        }
    elif op == "preview":
        r = stack.preview(diff=True, color="never")
        result = {"stdout": r.stdout + (r.stderr or ""), "changes": changes(r.change_summary)}
    elif op == "refresh":
        r = stack.refresh(color="never")
        result = {"stdout": r.stdout + (r.stderr or ""), "changes": changes(r.summary.resource_changes)}
    elif op == "destroy":
        r = stack.destroy(color="never")
        result = {"stdout": r.stdout + (r.stderr or ""), "changes": changes(r.summary.resource_changes)}
    else:
        raise SystemExit(f"unknown operation {op}")
    print()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
