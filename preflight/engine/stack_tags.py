"""The stack tags the CLI hands a policy pack in ConfigureStack, from Pulumi.yaml, `pulumi:tags` and git.

pulumi/pulumi pkg/backend/stack.go, GetEnvironmentTagsForCurrentStack: `pulumi:project`, `pulumi:runtime`,
`pulumi:description` (when Pulumi.yaml has one), every entry of the `pulumi:tags` config object, and from git
(addGitMetadataToStackTags) `vcs:root` (the project's directory relative to the work tree) and, from the `origin`
remote, `vcs:owner`, `vcs:repo`, `vcs:kind` (sdk/go/common/util/gitutil/git.go, TryGetVCSInfo). Git errors are
ignored there, and here.
"""

from __future__ import annotations

import configparser
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlparse

TAGS_CONFIG_KEY: Final = "pulumi:tags"
# gitutil.cloudSourceControlSSHRegex
_SSH_REMOTE: Final = re.compile(r"git@(?P<host>[a-zA-Z.-]*\.[a-zA-Z]+):(?P<path>[^/]+/[^/]+\.git).?$")
_GIT_SUFFIX: Final = ".git"


class StackTagsError(ValueError):
    """`pulumi:tags` is not an object of strings; the message is the CLI's."""


def vcs_info(remote_url: str) -> dict[str, str]:
    """gitutil.TryGetVCSInfo for SSH (`git@host:owner/repo.git`) and HTTP(S) remotes; {} when it finds none."""
    kind = path = ""
    ssh = _SSH_REMOTE.match(remote_url)
    if ssh:
        kind, path = ssh.group("host"), ssh.group("path")
    else:
        parsed = urlparse(remote_url)
        if parsed.scheme in ("http", "https"):
            kind, path = parsed.hostname or "", parsed.path
    owner, _, repo = path.removesuffix(_GIT_SUFFIX).removeprefix("/").partition("/")
    if not kind or not owner or not repo:
        return {}
    return {"vcs:owner": owner, "vcs:repo": repo, "vcs:kind": kind}


def _work_tree(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _git_dir(work_tree: Path) -> Path:
    """The repository's own git directory: a worktree's `.git` file points at it, its `commondir` at the shared one."""
    marker = work_tree / ".git"
    if marker.is_file():
        pointed = marker.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
        git_dir = (work_tree / pointed).resolve()
        common = git_dir / "commondir"
        return (git_dir / common.read_text(encoding="utf-8").strip()).resolve() if common.is_file() else git_dir
    return marker


def origin_url(work_tree: Path) -> str:
    """The first URL of the `origin` remote in the repository's config, "" when there is none."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(_git_dir(work_tree) / "config", encoding="utf-8")
    except (OSError, configparser.Error):
        return ""
    return parser.get('remote "origin"', "url", fallback="")


def git_tags(project_root: Path) -> dict[str, str]:
    """addGitMetadataToStackTags: `vcs:root`, then the remote's owner, repository and kind."""
    work_tree = _work_tree(project_root.resolve())
    if work_tree is None:
        return {}
    relative = project_root.resolve().relative_to(work_tree).as_posix()
    tags = {"vcs:root": relative}
    remote = origin_url(work_tree)
    return {**tags, **vcs_info(remote)} if remote else tags


def _config_tags(config: Mapping[str, str]) -> dict[str, str]:
    if TAGS_CONFIG_KEY not in config:
        return {}
    try:
        value: Any = json.loads(config[TAGS_CONFIG_KEY])
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise StackTagsError(f"{TAGS_CONFIG_KEY} must be an object of strings")
    for name, entry in value.items():
        if not isinstance(entry, str):
            raise StackTagsError(f"{TAGS_CONFIG_KEY}[{name}] must be a string")
    return dict(value)


def stack_tags(
    project_root: Path, project: str, runtime: str, description: str | None, config: Mapping[str, str]
) -> dict[str, str]:
    """The tags of GetEnvironmentTagsForCurrentStack, in its order of precedence (later ones win)."""
    tags = {"pulumi:project": project, "pulumi:runtime": runtime}
    if description is not None:
        tags["pulumi:description"] = description
    return {**tags, **_config_tags(config), **git_tags(project_root)}
