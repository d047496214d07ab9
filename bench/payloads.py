#!/usr/bin/env python3
"""Webhook bodies of real size for the benchmarks (standard library only).

GitHub sends far more than the gateway reads: an `issues.opened` delivery
carries the whole issue, its author, the repository (with its owner) and
the sender, about 11.6 KB in octokit's webhook examples. issues_opened()
builds one of that shape and size, with the numbers, labels and times
given, so a benchmark parses and verifies what production does.

  payloads.py pool SECRET N FIRST OUT   write N signed bodies (issues
                                        FIRST .. FIRST+N-1) to OUT, one per
                                        line as "sha256=<hex>\\t<json>"
"""
import hashlib
import hmac
import json
import sys
import time

SIZE = 11600    # bytes of octokit's issues.opened example
SEVERITIES = ["critical", "high", "medium", "low"]
COMPONENTS = ["checkout", "payments", "search", "auth", "api", "web", "billing", "infra"]


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def user(login, uid):
    base = "https://api.github.com/users/" + login
    return {
        "login": login, "id": uid, "node_id": "MDQ6VXNlcj%07d" % uid,
        "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % uid, "gravatar_id": "",
        "url": base, "html_url": "https://github.com/" + login,
        "followers_url": base + "/followers", "following_url": base + "/following{/other_user}",
        "gists_url": base + "/gists{/gist_id}", "starred_url": base + "/starred{/owner}{/repo}",
        "subscriptions_url": base + "/subscriptions", "organizations_url": base + "/orgs",
        "repos_url": base + "/repos", "events_url": base + "/events{/privacy}",
        "received_events_url": base + "/received_events", "type": "User", "site_admin": False,
    }


def repository(owner, name):
    full = owner + "/" + name
    api = "https://api.github.com/repos/" + full
    r = {"id": 186853002, "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=", "name": name,
         "full_name": full, "private": False, "owner": user(owner, 21031067),
         "html_url": "https://github.com/" + full, "description": None, "fork": False, "url": api}
    for k in ("forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events",
              "assignees", "branches", "tags", "blobs", "git_tags", "git_refs", "trees",
              "statuses", "languages", "stargazers", "contributors", "subscribers",
              "subscription", "commits", "git_commits", "comments", "issue_comment", "contents",
              "compare", "merges", "archive", "downloads", "issues", "pulls", "milestones",
              "notifications", "labels", "releases", "deployments"):
        r[k + "_url"] = api + "/" + k
    r.update({"created_at": "2019-05-15T15:19:25Z", "updated_at": "2019-05-15T15:21:03Z",
              "pushed_at": "2019-05-15T15:20:57Z", "git_url": "git://github.com/%s.git" % full,
              "ssh_url": "git@github.com:%s.git" % full, "clone_url": "https://github.com/%s.git" % full,
              "svn_url": "https://github.com/" + full, "homepage": None, "size": 0,
              "stargazers_count": 0, "watchers_count": 0, "language": "Ruby", "has_issues": True,
              "has_projects": True, "has_downloads": True, "has_wiki": True, "has_pages": True,
              "forks_count": 0, "mirror_url": None, "archived": False, "disabled": False,
              "open_issues_count": 2, "license": None, "forks": 0, "open_issues": 2,
              "watchers": 0, "default_branch": "master", "is_template": False, "topics": [],
              "visibility": "public", "web_commit_signoff_required": False})
    return r


def issues_opened(number, created, severity=None, component=None, owner="octo-org", name="api"):
    """A signed-size `issues` `opened` delivery for issue `number` created at `created` (Unix)."""
    severity = severity or SEVERITIES[number % 4]
    component = component or COMPONENTS[number % len(COMPONENTS)]
    full = owner + "/" + name
    api = "https://api.github.com/repos/%s/issues/%d" % (full, number)
    labels = [{"id": 1362934389 + i, "node_id": "MDU6TGFiZWwxMzYyOTM0Mzg5",
               "url": "https://api.github.com/repos/%s/labels/%s" % (full, n), "name": n,
               "color": "d73a4a", "default": False, "description": ""}
              for i, n in enumerate(("severity:" + severity, "component:" + component))]
    issue = {
        "url": api, "repository_url": "https://api.github.com/repos/" + full,
        "labels_url": api + "/labels{/name}", "comments_url": api + "/comments",
        "events_url": api + "/events", "html_url": "https://github.com/%s/issues/%d" % (full, number),
        "id": 444500041 + number, "node_id": "MDU6SXNzdWU0NDQ1MDAwNDE=", "number": number,
        "title": "Checkout fails for EU cards (bench issue %d)" % number,
        "user": user("Codertocat", 21031067), "labels": labels, "state": "open", "locked": False,
        "assignee": user("Codertocat", 21031067), "assignees": [user("Codertocat", 21031067)],
        "milestone": None, "comments": 0, "created_at": rfc3339(created),
        "updated_at": rfc3339(created), "closed_at": None, "author_association": "OWNER",
        "active_lock_reason": None, "body": "",
        "reactions": {"url": api + "/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
                      "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
        "timeline_url": api + "/timeline", "performed_via_github_app": None, "state_reason": None,
    }
    payload = {"action": "opened", "issue": issue, "repository": repository(owner, name),
               "sender": user("Codertocat", 21031067)}
    pad = SIZE - len(json.dumps(payload).encode())
    issue["body"] = ("Steps to reproduce: pay with a card issued in the EU. " * 300)[:max(pad, 0)]
    return payload


def signed(secret, payload):
    body = json.dumps(payload).encode()
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), body


def write_pool(secret, n, first, out, created=None):
    created = created if created is not None else int(time.time()) - 3600
    with open(out, "wb") as f:
        for number in range(first, first + n):
            sig, body = signed(secret, issues_opened(number, created))
            f.write(sig.encode() + b"\t" + body + b"\n")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "pool":
        write_pool(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)
