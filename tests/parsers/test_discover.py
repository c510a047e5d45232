"""Discovery: candidates, Terraform directories, excludes, symlinks and unreadable paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trustlint import discover as discover_module
from trustlint.discover import discover, is_excluded
from trustlint.model import Location, ParseError
from trustlint.project_paths import project_path


def make(root: Path, *names: str) -> None:
    """Create files (and their directories); a name ending in `/` is an empty directory."""
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")


def found(root: Path, paths: list[Path] | None = None, excludes: tuple[str, ...] = ()) -> list[str]:
    discovery = discover(paths or [root], root, excludes)
    assert discovery.errors == []
    return [project_path(path, root) for path in discovery.files]


def modules(root: Path, paths: list[Path] | None = None) -> list[str]:
    discovery = discover(paths or [root], root, [])
    return [project_path(path, root) for path in discovery.terraform_dirs]


def error_at(path: str, message: str) -> ParseError:
    return ParseError(message, Location(path, 1, 1, 1, 2))


# Candidates


def test_candidate_extensions_are_found_recursively_in_sorted_order(tmp_path: Path) -> None:
    make(
        tmp_path,
        "z.yaml",
        "b/stack.template",
        "a/policy.json",
        "a/sub/role.yml",
        "a/UPPER.YAML",
        "README.md",
        "app.py",
        "a/notes.txt",
    )

    assert found(tmp_path) == [
        "a/UPPER.YAML",
        "a/policy.json",
        "a/sub/role.yml",
        "b/stack.template",
        "z.yaml",
    ]


def test_discovered_paths_are_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "stacks/a.yaml")
    monkeypatch.chdir(tmp_path)

    discovery = discover([Path("stacks")], Path("."), [])

    assert discovery.files == [tmp_path / "stacks" / "a.yaml"]


def test_terraform_files_are_grouped_into_their_directories(tmp_path: Path) -> None:
    make(
        tmp_path,
        "main.tf",
        "modules/iam/main.tf",
        "modules/iam/outputs.tf",
        "modules/iam/policy.json",
        "modules/empty/README.md",
        "envs/prod/terraform.tfvars",
    )

    assert modules(tmp_path) == [".", "modules/iam"]
    assert found(tmp_path) == ["modules/iam/policy.json"]


# Excludes


def test_default_excludes_skip_tool_and_dependency_directories(tmp_path: Path) -> None:
    make(
        tmp_path,
        ".git/config.json",
        ".terraform/modules/vpc/main.tf",
        ".terraform/modules/modules.json",
        "node_modules/pkg/policy.json",
        "web/node_modules/pkg/template.yaml",
        ".tox/py311/policy.json",
        "lib/__pycache__/x.json",
        "kept.yaml",
    )

    assert found(tmp_path) == ["kept.yaml"]
    assert modules(tmp_path) == []


def test_virtualenv_is_recognised_by_its_pyvenv_cfg_whatever_its_name(tmp_path: Path) -> None:
    make(tmp_path, "env/pyvenv.cfg", "env/lib/site-packages/cfn/data.json", "env2/stack.yaml")

    assert found(tmp_path) == ["env2/stack.yaml"]


def test_cdk_assets_are_skipped_but_synthesized_templates_are_kept(tmp_path: Path) -> None:
    make(
        tmp_path,
        "cdk.out/asset.4f3a9c/package.json",
        "cdk.out/asset.4f3a9c/config.yaml",
        "cdk.out/asset.77aa.json",
        "cdk.out/AppStack.template.json",
        "cdk.out/AppStack.assets.json",
        "src/asset.yaml",
    )

    assert found(tmp_path) == [
        "cdk.out/AppStack.assets.json",
        "cdk.out/AppStack.template.json",
        "src/asset.yaml",
    ]


def test_configured_excludes_are_globs_relative_to_the_root(tmp_path: Path) -> None:
    make(
        tmp_path,
        "vendor/a.yaml",
        "svc/vendor/b.yaml",
        "svc/vendored.yaml",
        "docs/example.json",
        "docs/deep/example.json",
        "stacks/app.generated.yaml",
        "stacks/app.yaml",
    )

    kept = found(tmp_path, excludes=("**/vendor/**", "docs/*.json", "*.generated.yaml"))

    assert kept == ["docs/deep/example.json", "stacks/app.yaml", "svc/vendored.yaml"]


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("**/vendor/**", "vendor", True),
        ("**/vendor/**", "a/b/vendor/c/d.yaml", True),
        ("**/vendor/**", "vendors/x.yaml", False),
        ("vendor/", "a/vendor", True),
        ("./stacks/*.yaml", "stacks/a.yaml", True),
        ("stacks/*.yaml", "stacks/sub/a.yaml", False),
        ("stacks/**/*.yaml", "stacks/a.yaml", True),
        ("stacks/**/*.yaml", "stacks/x/y/a.yaml", True),
        ("test?.json", "dir/test1.json", True),
        ("test?.json", "dir/test10.json", False),
        ("env-[!p]*/**", "env-dev/main.yaml", True),
        ("env-[!p]*/**", "env-prod/main.yaml", False),
        ("[a-c].json", "b.json", True),
        ("a+b(c).json", "a+b(c).json", True),
    ],
)
def test_exclude_glob_semantics(pattern: str, path: str, excluded: bool) -> None:
    assert is_excluded(path, [pattern]) is excluded


# Explicit paths


def test_explicitly_named_files_are_included_whatever_their_extension(tmp_path: Path) -> None:
    make(tmp_path, "policies/trust.txt", "node_modules/pkg/stack.yaml", "infra/main.tf")

    paths = [
        tmp_path / "policies/trust.txt",
        tmp_path / "node_modules/pkg/stack.yaml",
        tmp_path / "infra/main.tf",
    ]

    assert found(tmp_path, paths) == ["node_modules/pkg/stack.yaml", "policies/trust.txt"]
    assert modules(tmp_path, paths) == ["infra"]


def test_a_file_named_twice_or_inside_a_named_directory_is_listed_once(tmp_path: Path) -> None:
    make(tmp_path, "stacks/a.yaml", "stacks/b.yaml")
    a = tmp_path / "stacks" / "a.yaml"

    assert found(tmp_path, [a, tmp_path / "stacks", a, tmp_path]) == [
        "stacks/a.yaml",
        "stacks/b.yaml",
    ]


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a.yaml")

    discovery = discover([tmp_path / "missing.yaml", tmp_path / "a.yaml"], tmp_path, [])

    assert discovery.files == [tmp_path / "a.yaml"]
    assert discovery.errors == [error_at("missing.yaml", "missing.yaml does not exist")]


# Symlinks


def test_symlink_loop_ends_and_lists_each_file_once(tmp_path: Path) -> None:
    make(tmp_path, "a/stack.yaml")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a")

    assert found(tmp_path) == ["a/stack.yaml"]


def test_link_escaping_the_root_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    make(tmp_path, "outside/secret.yaml", "outside/main.tf", "project/own.yaml")
    (root / "escape").symlink_to(tmp_path / "outside")
    (root / "escape.yaml").symlink_to(tmp_path / "outside" / "secret.yaml")
    (root / "relative").symlink_to(Path("..") / "outside")

    assert found(root) == ["own.yaml"]
    assert modules(root) == []


def test_link_to_a_directory_already_walked_lists_files_under_their_real_name(
    tmp_path: Path,
) -> None:
    make(tmp_path, "stacks/app.yaml")
    (tmp_path / "aaa-link").symlink_to(tmp_path / "stacks")

    assert found(tmp_path) == ["stacks/app.yaml"]


def test_link_inside_the_root_to_a_directory_not_named_is_followed(tmp_path: Path) -> None:
    make(tmp_path, "shared/policies/trust.json", "shared/tf/main.tf", "app/stack.yaml")
    (tmp_path / "app" / "policies").symlink_to(tmp_path / "shared" / "policies")
    (tmp_path / "app" / "tf").symlink_to(Path("..") / "shared" / "tf")
    (tmp_path / "app" / "role.yaml").symlink_to(tmp_path / "shared" / "policies" / "trust.json")

    assert found(tmp_path, [tmp_path / "app"]) == [
        "app/policies/trust.json",
        "app/stack.yaml",
    ]
    assert modules(tmp_path, [tmp_path / "app"]) == ["app/tf"]


def test_link_to_a_file_inside_the_root_is_followed_once(tmp_path: Path) -> None:
    make(tmp_path, "real/trust.json", "other/x.yaml")
    (tmp_path / "other" / "trust-link.json").symlink_to(tmp_path / "real" / "trust.json")
    (tmp_path / "other" / "main.tf").symlink_to(tmp_path / "real" / "nothing.tf")

    assert found(tmp_path, [tmp_path / "other"]) == ["other/trust-link.json", "other/x.yaml"]
    assert found(tmp_path) == ["other/x.yaml", "real/trust.json"]


def test_dangling_link_is_skipped_silently(tmp_path: Path) -> None:
    make(tmp_path, "a.yaml")
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tmp_path / "gone-dir").symlink_to(tmp_path / "nowhere")

    assert found(tmp_path) == ["a.yaml"]


# Unreadable directories


def test_unreadable_directory_is_an_error_with_the_os_reason(tmp_path: Path) -> None:
    make(tmp_path, "locked/stack.yaml", "open/stack.yaml")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        discovery = discover([tmp_path], tmp_path, [])
    finally:
        locked.chmod(0o755)

    assert discovery.files == [tmp_path / "open" / "stack.yaml"]
    assert discovery.errors == [
        error_at("locked", "cannot read directory locked: Permission denied")
    ]


def test_directory_that_cannot_be_listed_is_an_error_with_the_os_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same path as above for users that permissions do not stop.
    make(tmp_path, "locked/stack.yaml", "open/stack.yaml")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(discover_module.os, "scandir", scandir)

    discovery = discover([tmp_path], tmp_path, [])

    assert discovery.files == [tmp_path / "open" / "stack.yaml"]
    assert discovery.errors == [
        error_at("locked", "cannot read directory locked: Permission denied")
    ]


# Project-relative paths


def test_project_path_is_relative_with_forward_slashes(tmp_path: Path) -> None:
    assert project_path(tmp_path / "a" / "b.yaml", tmp_path) == "a/b.yaml"
    assert project_path(tmp_path, tmp_path) == "."


def test_project_path_through_a_symlinked_root_is_relative(tmp_path: Path) -> None:
    make(tmp_path, "real/a.yaml")
    (tmp_path / "alias").symlink_to(tmp_path / "real")

    assert project_path(tmp_path / "alias" / "a.yaml", tmp_path / "real") == "a.yaml"


def test_project_path_outside_the_root_stays_absolute(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "trust.json"

    assert project_path(outside, tmp_path / "project") == outside.as_posix()
