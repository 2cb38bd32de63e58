"""Schemathesis hooks for Redress's GraphQL fuzz (`.ci/fuzz/run`; README "Fuzzing the API").

Loaded through SCHEMATHESIS_HOOKS. They
- give the fuzzer strategies for Redress's own scalars (NaiveDate, DecimalString)
  and weight String, Int and DateTime towards plausible values;
- aim most changes that take `input.id` at a live record at its last seen version;
- add `userErrors` and `replayed` (aliased `fuzz*`) to every mutation's
  selection, so each mutation's outcome is known whatever the fuzzer selected;
- register two checks: `redress_no_server_error` (an HTTP 5xx, or a GraphQL
  error with no `extensions.code` or an internal one) and `redress_no_internals`
  (a client-visible message naming database crates, SQL, panics, Rust paths,
  file paths, backtraces or internal permission names);
- append every call, with a mutation's outcome (accepted / replayed / refused /
  unknown), to the JSON-lines file named by REDRESS_FUZZ_RECORD, which
  `audit.py` compares with the audit trail afterwards and counts for the figures.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import threading
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

ROOT = Path(__file__).resolve().parents[2]
RECORD = os.environ.get("REDRESS_FUZZ_RECORD")
_lock = threading.Lock()

# --- scalars ------------------------------------------------------------------------------------
# Each scalar draws a plausible value most of the time and anything the type allows otherwise:
# with only hostile text (control characters, empty strings) nearly every write is refused at
# its first field, and the paths behind validation are never reached.


def _mostly(plausible: st.SearchStrategy, anything: st.SearchStrategy, percent: int = 85) -> st.SearchStrategy:
    return st.integers(0, 99).flatmap(lambda n: plausible if n < percent else anything)


_PLAIN = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "Pd", "Po"), exclude_characters="\u2028\u2029"),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() == t and t != "")
_NOW = datetime.now(timezone.utc).replace(tzinfo=None)

schemathesis.graphql.scalar("String", _mostly(_PLAIN, st.text(max_size=300)).map(nodes.String))
schemathesis.graphql.scalar(
    "Int", _mostly(st.integers(-2, 120), st.integers(-(2**31), 2**31 - 1), 80).map(nodes.Int)
)
schemathesis.graphql.scalar(
    "DateTime",
    _mostly(
        st.datetimes(min_value=_NOW - timedelta(days=120), max_value=_NOW - timedelta(minutes=5)),
        st.datetimes(),
        80,
    ).map(lambda d: nodes.String(d.isoformat(timespec="seconds") + "Z")),
)
schemathesis.graphql.scalar(
    "NaiveDate",
    _mostly(st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)), st.dates()).map(
        lambda d: nodes.String(d.isoformat())
    ),
)
# The documented shape `-?digits(.digits)?`; long digit runs and near misses now and then.
schemathesis.graphql.scalar(
    "DecimalString",
    _mostly(
        st.from_regex(r"[0-9]{1,4}(\.[0-9]{2})?", fullmatch=True),
        st.one_of(
            st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{1,30})?", fullmatch=True),
            st.sampled_from(["-1", "1e2", "12,5", "", " 1", "0x10"]),
        ),
    ).map(nodes.String),
)

# --- mutation outcomes --------------------------------------------------------------------------

# Each mutation and the audit actions one accepted call appends (one event per
# accepted change). A mutation missing here fails the run: add it with its actions.
MUTATION_ACTIONS: dict[str, tuple[str, ...]] = {
    "facilityUpsert": ("FACILITY_CREATE", "FACILITY_UPDATE"),
    "deadlinePolicyUpsert": ("DEADLINE_POLICY_CREATE", "DEADLINE_POLICY_UPDATE"),
    "complaintCreate": ("COMPLAINT_CREATE",),
    "complaintUpdate": ("COMPLAINT_UPDATE",),
    "complaintAssign": ("COMPLAINT_ASSIGN",),
    "complaintAcknowledge": ("COMPLAINT_ACKNOWLEDGE",),
    "complaintStartInvestigation": ("COMPLAINT_START_INVESTIGATION",),
    "complaintEscalate": ("COMPLAINT_ESCALATE",),
    "complaintResolveAtPointOfService": ("COMPLAINT_RESOLVE_AT_POINT_OF_SERVICE",),
    "complaintResolve": ("COMPLAINT_RESOLVE",),
    "complaintClose": ("COMPLAINT_CLOSE",),
    "complaintWithdraw": ("COMPLAINT_WITHDRAW",),
    "complaintReopen": ("COMPLAINT_REOPEN",),
    "complaintExtendDeadline": ("COMPLAINT_EXTEND_DEADLINE",),
    "complaintAddNote": ("COMPLAINT_NOTE_ADD",),
    "complaintLogContact": ("COMPLAINT_CONTACT_LOG",),
    "serviceRecoveryPropose": ("SERVICE_RECOVERY_PROPOSE",),
    "serviceRecoveryApprove": ("SERVICE_RECOVERY_APPROVE",),
    "serviceRecoveryDecline": ("SERVICE_RECOVERY_DECLINE",),
    "serviceRecoveryComplete": ("SERVICE_RECOVERY_COMPLETE",),
    "serviceRecoveryCancel": ("SERVICE_RECOVERY_CANCEL",),
    "interpreterSessionLog": ("INTERPRETER_SESSION_LOG",),
    "interpreterSessionAmend": ("INTERPRETER_SESSION_AMEND",),
    "accessibilityRequestCreate": ("ACCESSIBILITY_REQUEST_CREATE",),
    "accessibilityRequestAcknowledge": ("ACCESSIBILITY_REQUEST_ACKNOWLEDGE",),
    "accessibilityRequestSchedule": ("ACCESSIBILITY_REQUEST_SCHEDULE",),
    "accessibilityRequestFulfill": ("ACCESSIBILITY_REQUEST_FULFILL",),
    "accessibilityRequestProvideAlternative": ("ACCESSIBILITY_REQUEST_PROVIDE_ALTERNATIVE",),
    "accessibilityRequestDeny": ("ACCESSIBILITY_REQUEST_DENY",),
    "accessibilityRequestCancel": ("ACCESSIBILITY_REQUEST_CANCEL",),
    "letterDraft": ("LETTER_DRAFT",),
    "letterUpdate": ("LETTER_UPDATE",),
    "letterApprove": ("LETTER_APPROVE",),
    "letterMarkSent": ("LETTER_MARK_SENT",),
    "letterRecordDelivery": ("LETTER_RECORD_DELIVERY",),
    # Signing a checkpoint is deliberately not an audit event (it would move the head it signs).
    "auditCheckpoint": (),
}
# Changes an accepted call may make besides its own (at most one each): a
# letter marked sent acknowledges a RECEIVED complaint (ACKNOWLEDGEMENT),
# meets the progress-notice clock (PROGRESS_NOTICE), supersedes the letter it
# corrects, and by email records the relay's answer.
SIDE_EFFECTS: dict[str, tuple[str, ...]] = {
    # A facility created (not updated) gets the default deadline policy: a second event.
    "facilityUpsert": ("DEADLINE_POLICY_CREATE",),
    "letterMarkSent": (
        "COMPLAINT_ACKNOWLEDGE",
        "COMPLAINT_PROGRESS_NOTICE_RECORDED",
        "LETTER_SUPERSEDE",
        "LETTER_RELAY_ACCEPT",
        "LETTER_RECORD_DELIVERY",
    ),
}
# complaintCreate with `accessibilityRequestId` also links the request: a second event.
LINK_ACTION = "ACCESSIBILITY_REQUEST_LINK_COMPLAINT"

# Payload fields that tell the outcome, selected under aliases the fuzzer never uses.
OUTCOME_FIELDS = {
    "userErrors": ("fuzzUserErrors", "{ code field message }"),
    "replayed": ("fuzzReplayed", ""),
}


def _root_field(document: graphql.DocumentNode) -> tuple[graphql.OperationDefinitionNode, graphql.FieldNode] | None:
    for definition in document.definitions:
        if isinstance(definition, graphql.OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, graphql.FieldNode):
                    return definition, selection
    return None


def _payload_type(case, field_name: str) -> graphql.GraphQLObjectType | None:
    schema = case.operation.schema.client_schema
    mutation = schema.mutation_type
    if mutation is None or field_name not in mutation.fields:
        return None
    t = mutation.fields[field_name].type
    while isinstance(t, (graphql.GraphQLNonNull, graphql.GraphQLList)):
        t = t.of_type
    return t if isinstance(t, graphql.GraphQLObjectType) else None


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Point some changes at a live record at its version; select the payload's outcome fields."""
    if not isinstance(case.body, str):
        return
    try:
        document = graphql.parse(case.body)
    except graphql.GraphQLError:
        return
    found = _root_field(document)
    if found is None or found[0].operation != graphql.OperationType.MUTATION:
        return
    operation, field = found
    payload = _payload_type(case, field.name.value)
    if payload is None or field.selection_set is None:
        return
    arguments = tuple(_aim(field.name.value, a) for a in field.arguments or ())
    extra = " ".join(
        f"{alias}: {name} {sub}".strip() for name, (alias, sub) in OUTCOME_FIELDS.items() if name in payload.fields
    )
    selections = tuple(field.selection_set.selections)
    if extra:
        added = graphql.parse(f"{{ x {{ {extra} }} }}")
        selections += tuple(added.definitions[0].selection_set.selections[0].selection_set.selections)
    new_field = _replace(
        field, arguments=arguments, selection_set=_replace(field.selection_set, selections=selections)
    )
    new_operation = _replace(
        operation,
        selection_set=_replace(
            operation.selection_set,
            selections=tuple(new_field if s is field else s for s in operation.selection_set.selections),
        ),
    )
    document = _replace(
        document, definitions=tuple(new_operation if d is operation else d for d in document.definitions)
    )
    case.body = graphql.print_ast(document)


# --- live records -------------------------------------------------------------------------------
# Random ids only ever meet NOT_FOUND, and a transition needs the record's current version. The
# hooks learn every record id (a global id, base64 of `Type:uuid`) and version the answers show,
# starting from a listing made when they load, and aim 60% of the changes that take `input.id`
# at a live record of the right type, with its last seen version 80% of the time.
RECORD_TYPES = {
    "complaint": "Complaint",
    "serviceRecovery": "ServiceRecoveryAction",
    "interpreterSession": "InterpreterSession",
    "accessibilityRequest": "AccessibilityRequest",
}
_known: dict[str, dict[str, int | None]] = {}
_random = random.Random(os.environ.get("FUZZ_SEED"))


def _record_type(global_id: str) -> str | None:
    try:
        text = base64.b64decode(global_id + "=" * (-len(global_id) % 4), validate=False).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, rest = text.partition(":")
    return kind if kind in RECORD_TYPES.values() and rest else None


def _learn(value) -> None:
    if isinstance(value, dict):
        gid = value.get("id")
        if isinstance(gid, str) and (kind := _record_type(gid)) is not None:
            version = value.get("version")
            with _lock:
                versions = _known.setdefault(kind, {})
                if isinstance(version, int) or gid not in versions:
                    versions[gid] = version if isinstance(version, int) else None
        for inner in value.values():
            _learn(inner)
    elif isinstance(value, list):
        for inner in value:
            _learn(inner)


def _mutation_record_type(mutation: str) -> str | None:
    return next((t for prefix, t in RECORD_TYPES.items() if mutation.startswith(prefix)), None)


def _aim(mutation: str, argument: graphql.ArgumentNode) -> graphql.ArgumentNode:
    kind = _mutation_record_type(mutation)
    if argument.name.value != "input" or not isinstance(argument.value, graphql.ObjectValueNode) or kind is None:
        return argument
    with _lock:
        candidates = list(_known.get(kind, {}).items())
    if not candidates or _random.random() >= 0.6:
        return argument
    gid, version = _random.choice(candidates)
    fields = []
    for f in argument.value.fields:
        if f.name.value == "id":
            f = _replace(f, value=graphql.StringValueNode(value=gid))
        elif f.name.value == "expectedVersion" and version is not None and _random.random() < 0.8:
            f = _replace(f, value=graphql.IntValueNode(value=str(version)))
        fields.append(f)
    return _replace(argument, value=_replace(argument.value, fields=tuple(fields)))


def _accepted_change(mutation: str, field: graphql.FieldNode) -> None:
    """An accepted change moved its record one version on."""
    for argument in field.arguments or ():
        if argument.name.value == "input" and isinstance(argument.value, graphql.ObjectValueNode):
            for f in argument.value.fields:
                if f.name.value == "id" and isinstance(f.value, graphql.StringValueNode):
                    with _lock:
                        versions = _known.get(_record_type(f.value.value) or "", {})
                        if versions.get(f.value.value) is not None:
                            versions[f.value.value] += 1


def _inventory() -> None:
    """The seed's records, listed once with the pass's token (REDRESS_FUZZ_URL, REDRESS_FUZZ_TOKEN_FILE)."""
    url, token_file = os.environ.get("REDRESS_FUZZ_URL"), os.environ.get("REDRESS_FUZZ_TOKEN_FILE")
    if not url or not token_file:
        return
    query = (
        "{ complaints(first: 100) { nodes { id version } } serviceRecoveryActions(first: 100) { nodes { id version } }"
        " interpreterSessions(first: 100) { nodes { id version } }"
        " accessibilityRequests(first: 100) { nodes { id version } } }"
    )
    token = Path(token_file).read_text(encoding="utf-8").strip()
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        _learn(json.load(response).get("data"))


_inventory()


def _replace(node, **changes):
    return type(node)(**{**{key: getattr(node, key) for key in node.keys}, **changes})


def _links_request(field: graphql.FieldNode) -> bool:
    """Whether complaintCreate's input names an accessibility request (a non-null literal)."""
    for argument in field.arguments or ():
        if argument.name.value == "input" and isinstance(argument.value, graphql.ObjectValueNode):
            for f in argument.value.fields:
                if f.name.value == "accessibilityRequestId":
                    return not isinstance(f.value, graphql.NullValueNode)
    return False


def _outcome(field_name: str, response) -> str:
    """accepted / replayed / refused / unknown."""
    if response.status_code >= 500:
        return "unknown"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "refused"
    if not isinstance(body, dict):
        return "refused"
    data = body.get("data")
    payload = data.get(field_name) if isinstance(data, dict) else None
    if not isinstance(payload, dict):
        # Null payload: refused before the resolver ran or by it (path [field]),
        # unless an error deeper in the selection nulled it after the change ran.
        errors = body.get("errors") or []
        deep = any(isinstance(e, dict) and len(e.get("path") or []) > 1 for e in errors)
        return "unknown" if deep else "refused"
    if payload.get("fuzzUserErrors"):
        return "refused"
    if "fuzzUserErrors" not in payload:
        return "unknown"
    if payload.get("fuzzReplayed"):
        return "replayed"
    return "accepted"


def _refusal_codes(field_name: str, response) -> list[str]:
    """The codes of a mutation's top-level errors and user errors (for the figures)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return [f"HTTP {response.status_code}"]
    if not isinstance(body, dict):
        return [f"HTTP {response.status_code}"]
    codes = [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or [] if isinstance(e, dict)]
    data = body.get("data")
    payload = data.get(field_name) if isinstance(data, dict) else None
    if isinstance(payload, dict):
        codes += [str(e.get("code")) for e in payload.get("fuzzUserErrors") or [] if isinstance(e, dict)]
    return sorted(set(codes))


def _record(entry: dict) -> None:
    if RECORD is not None:
        with _lock, open(RECORD, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


@schemathesis.hook
def after_call(ctx, case, response):
    """Record every call (for the figures), and every mutation's outcome (for audit.py)."""
    entry: dict = {"operation": case.operation.label, "status": response.status_code}
    if isinstance(case.body, str):
        try:
            found = _root_field(graphql.parse(case.body))
        except graphql.GraphQLError:
            found = None
        if found is not None and found[0].operation == graphql.OperationType.MUTATION:
            name = found[1].name.value
            entry["mutation"] = name
            entry["outcome"] = _outcome(name, response)
            if entry["outcome"] == "accepted":
                _accepted_change(name, found[1])
            entry["links_request"] = name == "complaintCreate" and _links_request(found[1])
            entry["why"] = _refusal_codes(name, response)
    try:
        _learn(json.loads(response.content))  # after the version bump: a version shown wins
    except ValueError:
        pass
    _record(entry)


@schemathesis.hook
def after_network_error(ctx, case, request):
    """A mutation whose answer never came may or may not have run."""
    entry: dict = {"operation": case.operation.label, "status": None}
    if isinstance(case.body, str):
        try:
            found = _root_field(graphql.parse(case.body))
        except graphql.GraphQLError:
            found = None
        if found is not None and found[0].operation == graphql.OperationType.MUTATION:
            entry.update(mutation=found[1].name.value, outcome="unknown", links_request=False)
    _record(entry)


# --- checks -------------------------------------------------------------------------------------

INTERNAL_CODES = {"INTERNAL_SERVER_ERROR", "DATABASE_UNAVAILABLE"}


def _json(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@schemathesis.check
def redress_no_server_error(ctx, response, case):
    """No 5xx, and every GraphQL error carries a client-fault `extensions.code`."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.content[:300]!r}")
    body = _json(response)
    if not isinstance(body, dict):
        return None
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
        if not isinstance(code, str):
            raise AssertionError(f"a GraphQL error without extensions.code: {error!r}"[:500])
        if code in INTERNAL_CODES:
            raise AssertionError(f"an internal error reached the client: {error!r}"[:500])
    return None


def _permission_names() -> list[str]:
    """The variants of `domain::permissions::Operation`: internal names no client should see."""
    source = (ROOT / "domain" / "src" / "permissions.rs").read_text(encoding="utf-8")
    body = re.search(r"pub enum Operation \{(.*?)\n\}", source, re.S)
    if body is None:
        raise RuntimeError("hooks.py: no `pub enum Operation` in domain/src/permissions.rs")
    names = re.findall(r"^\s*([A-Z][A-Za-z0-9]+),", body.group(1), re.M)
    if len(names) < 10:
        raise RuntimeError("hooks.py: could not read the permission names")
    return names


LEAKS = [
    (re.compile(r"\b(sqlx|sea_orm|sea-orm|sea_query|rusqlite|libsqlite|tokio_postgres|DbErr|SqlxError)\b", re.I),
     "a database crate"),
    (re.compile(r"\b(SELECT\b.{0,200}\bFROM|INSERT\s+INTO|UPDATE\s+\"?\w+\"?\s+SET|DELETE\s+FROM|RETURNING\s+\")", re.S),
     "an SQL statement"),
    (re.compile(r"(constraint failed|violates \w+ constraint|duplicate key value|no such (table|column)|"
                r"syntax error at or near|relation \"\w+\"|SQLITE_[A-Z]+|database is locked|"
                r"error returned from database|pool timed out)", re.I),
     "a database error"),
    (re.compile(r"panicked|RUST_BACKTRACE|stack backtrace|called `(Option|Result)::unwrap", re.I), "a panic"),
    (re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_<]"), "a Rust path"),
    (re.compile(r"(/(home|root|usr|tmp|work|var|opt|etc)/[^\s\"']+|\.cargo/registry|"
                r"\b[\w/.-]+\.rs:\d+|\bsrc/[\w/]+\.rs\b)"),
     "a file path"),
    (re.compile(r"^\s+at \S+ \(|^\s*\d+: [\w:<>]+$|\bbacktrace\b", re.M | re.I), "a stack trace"),
]
PERMISSIONS = re.compile(r"\b(" + "|".join(_permission_names()) + r")\b")


def _messages(body) -> list[str]:
    """Every text the server wrote for the client: error messages and extensions, user errors."""
    texts: list[str] = []
    if isinstance(body, dict):
        for error in body.get("errors") or []:
            if isinstance(error, dict):
                texts.append(str(error.get("message", "")))
                texts.append(json.dumps(error.get("extensions") or {}))

        def walk(value):
            if isinstance(value, dict):
                for key, inner in value.items():
                    if key in ("userErrors", "fuzzUserErrors") and isinstance(inner, list):
                        texts.extend(json.dumps(e) for e in inner)
                    else:
                        walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        walk(body.get("data"))
    return texts


@schemathesis.check
def redress_no_internals(ctx, response, case):
    """No client-visible message names an internal: crates, SQL, panics, paths, permission names.

    A match that is an echo of the request (the fuzzer's own text quoted back) does not count.
    """
    body = _json(response)
    texts = _messages(body) if body is not None else [response.content.decode("utf-8", "replace")]
    sent = case.body if isinstance(case.body, str) else ""
    for text in texts:
        for pattern, what in LEAKS + [(PERMISSIONS, "an internal permission name")]:
            for match in pattern.finditer(text):
                if match.group(0) and match.group(0) in sent:
                    continue
                raise AssertionError(f"the response names {what} ({match.group(0)!r}): {text[:300]}")
    return None
