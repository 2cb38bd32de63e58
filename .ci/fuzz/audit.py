"""The fuzz's audit-trail check (`.ci/fuzz/run`; README "Fuzzing the API").

    audit.py snapshot URL TOKEN_FILE OUT.json
        counts the audit events of every action through `auditEvents(filter: {actions: [A]}) { totalCount }`
        and the whole trail's count.
    audit.py figures RECORD.jsonl [--total]
        prints the requests per operation, the HTTP statuses and the mutation outcomes.
    audit.py compare URL TOKEN_FILE BEFORE.json RECORD.jsonl
        counts again, and checks for every action that the events added equal the accepted
        mutations the hooks recorded (a refused or replayed call adds none; complaintCreate
        naming an accessibility request adds the link event too); no event of another action
        appeared; and `auditTrailVerification` finds the chain intact. Prints the table.

Exit status 1 on any difference.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hooks import LINK_ACTION, MUTATION_ACTIONS, SIDE_EFFECTS  # noqa: E402

ACTIONS = sorted(
    {a for actions in MUTATION_ACTIONS.values() for a in actions}
    | {a for actions in SIDE_EFFECTS.values() for a in actions}
    | {LINK_ACTION}
)


def graphql(url: str, token: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    if body.get("errors"):
        raise SystemExit(f"audit.py: the server refused {query!r}: {body['errors']}")
    return body["data"]


COUNT = "query($actions: [String!]) { auditEvents(filter: {actions: $actions}, first: 0) { totalCount } }"


def counts(url: str, token: str) -> dict[str, int]:
    result = {a: graphql(url, token, COUNT, {"actions": [a]})["auditEvents"]["totalCount"] for a in ACTIONS}
    result["(all)"] = graphql(url, token, COUNT, {"actions": None})["auditEvents"]["totalCount"]
    return result


def expected(record: Path) -> tuple[Counter, Counter, Counter]:
    """Events each action should have gained (accepted calls), and the calls whose outcome is unknown."""
    accepted: Counter = Counter()
    unknown: Counter = Counter()
    outcomes: Counter = Counter()
    lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    for line in lines:
        entry = json.loads(line)
        name = entry.get("mutation")
        if name is None:
            continue
        if name not in MUTATION_ACTIONS:
            raise SystemExit(f"audit.py: mutation {name} is not in hooks.MUTATION_ACTIONS: add its audit actions")
        outcomes[(name, entry["outcome"])] += 1
        actions = MUTATION_ACTIONS[name]
        if entry["outcome"] in ("accepted", "unknown") and actions:
            # An upsert is one event of either of its two actions: counted on the first,
            # compared below as the pair's sum.
            target = accepted if entry["outcome"] == "accepted" else unknown
            target[actions[0]] += 1
            if entry.get("links_request"):
                target[LINK_ACTION] += 1
            # Changes the call may also have made: counted as possible, not owed.
            for side in SIDE_EFFECTS.get(name, ()):
                unknown[side] += 1
    return accepted, unknown, outcomes


def compare(url: str, token: str, before_path: Path, record: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = counts(url, token)
    accepted, unknown, outcomes = expected(record)
    # An upsert's create or update are compared as a pair.
    groups: list[tuple[str, ...]] = [
        ("DEADLINE_POLICY_CREATE", "DEADLINE_POLICY_UPDATE"),
        ("FACILITY_CREATE", "FACILITY_UPDATE"),
    ]
    grouped = {a for g in groups for a in g}
    rows = [(a,) for a in ACTIONS if a not in grouped] + groups
    failures = []
    print(f"{'audit action':<44} {'events added':>12} {'accepted calls':>14} {'unknown':>8}")
    for row in rows:
        added = sum(after[a] - before[a] for a in row)
        want = sum(accepted[a] for a in row)
        maybe = sum(unknown[a] for a in row)
        if added or want or maybe:
            print(f"{' + '.join(row):<44} {added:>12} {want:>14} {maybe:>8}")
        if not want <= added <= want + maybe:
            failures.append(f"{' + '.join(row)}: {added} events added, {want} accepted calls (+{maybe} unknown)")
    listed = sum(after[a] - before[a] for a in ACTIONS)
    total = after["(all)"] - before["(all)"]
    if total != listed:
        failures.append(f"{total - listed} events of actions no mutation the fuzz made should write")
    calls = Counter()
    for (name, outcome), n in outcomes.items():
        calls[outcome] += n
    print(
        f"mutations answered: {sum(calls.values())} ({calls['accepted']} accepted, {calls['replayed']} replayed, "
        f"{calls['refused']} refused, {calls['unknown']} unknown); audit events added: {total}"
    )
    verification = graphql(
        url,
        token,
        "{ auditTrailVerification { intact checkedCount checkpointsChecked "
        "firstBrokenLink { sequence problem } firstCheckpointProblem { sequence problem } } }",
    )["auditTrailVerification"]
    print(
        f"auditTrailVerification: intact={verification['intact']}, {verification['checkedCount']} events, "
        f"{verification['checkpointsChecked']} checkpoints"
    )
    if not verification["intact"]:
        failures.append(f"the audit trail does not verify: {verification}")
    for failure in failures:
        print(f"FAIL audit: {failure}")
    return 1 if failures else 0


def figures(record: Path, total: bool) -> int:
    """Requests per operation and mutation outcomes of one pass (or of all, `--total`)."""
    entries = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()] if record.exists() else []
    per_operation = Counter(e["operation"] for e in entries)
    statuses = Counter(str(e["status"]) for e in entries)
    outcomes = Counter(e["outcome"] for e in entries if "outcome" in e)
    mutations = sum(outcomes.values())
    label = "fuzz total" if total else "fuzz pass"
    if per_operation:
        fewest = min(per_operation.items(), key=lambda kv: kv[1])
        most = max(per_operation.items(), key=lambda kv: kv[1])
        spread = f"; per operation {fewest[1]} ({fewest[0]}) to {most[1]} ({most[0]})"
    else:
        spread = ""
    print(
        f"{label}: {len(entries)} requests over {len(per_operation)} operations{spread}; "
        f"HTTP {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}; "
        f"{mutations} mutations ({outcomes['accepted']} accepted, {outcomes['replayed']} replayed, "
        f"{outcomes['refused']} refused, {outcomes['unknown']} unknown)"
    )
    if total:
        accepted = Counter(e["mutation"] for e in entries if e.get("outcome") == "accepted")
        why = Counter(c for e in entries if e.get("outcome") == "refused" for c in e.get("why") or ["(none)"])
        print(f"accepted by mutation ({len(accepted)} of {len(MUTATION_ACTIONS)} mutations): "
              + ", ".join(f"{k} {v}" for k, v in accepted.most_common()))
        print("refusal codes: " + ", ".join(f"{k} {v}" for k, v in why.most_common()))
    return 0


def main() -> int:
    if sys.argv[1] == "figures":
        return figures(Path(sys.argv[2]), "--total" in sys.argv[3:])
    command, url, token_file, *rest = sys.argv[1:]
    token = Path(token_file).read_text(encoding="utf-8").strip()
    if command == "snapshot":
        Path(rest[0]).write_text(json.dumps(counts(url, token)), encoding="utf-8")
        return 0
    if command == "compare":
        return compare(url, token, Path(rest[0]), Path(rest[1]))
    raise SystemExit(f"audit.py: unknown command {command}")


if __name__ == "__main__":
    sys.exit(main())
