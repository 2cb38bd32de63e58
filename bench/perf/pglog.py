#!/usr/bin/env python3
"""PostgreSQL statement log -> the SQL Redress ran, for bench/perf/run.

  pglog.py filter DB     < server log  > entries
  pglog.py pgbench NAME  < entries     > pgbench script
  pglog.py placeholders MAP < script   > script with @kind:key@ for ids
  pglog.py bind MAP         < script   > script for this database

MAP lines are "UUID KEY" (bench/perf/run's id_map: facilities by code,
deadline policies by facility and program, complaints by reference): the
checked-in scripts name the rows they touch by those natural keys, and `bind`
puts in the ids of the database at hand (the seed makes the same facilities
and policies, with new ids; a complaint reference the database lacks gets
another of its complaints as a stand-in).

`filter` keeps the statements (log_statement = all) of database DB, one per
line as `STATEMENT <pid> <sql on one line>`, each followed by
`PARAMS <pid> $1 = '…', …` when it had parameters; the server's readiness
probe is left out.

`pgbench` writes the statements with their parameters inlined as literals,
one per line, for `pgbench -M prepared`. So that the script can run again
and again, and from many clients at once, as Redress's own requests do:
- an INSERT's new row id (a UUID first value of an INSERT, or each UUID of
  the `id` array of an `INSERT … SELECT FROM UNNEST`) becomes a fresh
  UUID per transaction everywhere it appears in the transaction
  (gen_random_uuid() cannot be used where the same id is needed twice);
- the audit trail's next sequence number becomes the head's plus one (read
  under the same advisory write lock that Redress takes, which the script
  keeps), and the condition of Redress's one-statement append (`INSERT …
  SELECT … WHERE` the head is the one it remembers) names the head as it
  is when the script runs;
- a complaint reference (`GRV-…`) inserted becomes a fresh one per
  transaction;
- the idempotency key, when there is one, becomes a fresh one.
Literals holding `:name` (which pgbench would take for a variable) are
written as U&'…' strings with the colon escaped; their type is unchanged.
"""
import re
import sys

LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL|ERROR|STATEMENT):  (.*)$")
STMT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
# Redress's readiness probe and the pool's connection check
PROBES = {"SELECT 1", "SELECT 1 FROM seaql_migrations LIMIT 1"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def filter_log(db):
    entries = []  # [kind, pid, text]
    cur = None
    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        m = LINE.match(raw)
        if m:
            pid, _user, d, level, text = m.groups()
            cur = None
            if d != db:
                continue
            if level == "LOG":
                s = STMT.match(text)
                if s:
                    cur = ["STATEMENT", pid, s.group(1)]
                    entries.append(cur)
            elif level == "DETAIL" and text.startswith("parameters: "):
                cur = ["PARAMS", pid, text[len("parameters: "):]]
                entries.append(cur)
        elif cur is not None and raw.startswith("\t"):
            cur[2] += "\n" + raw[1:]
    out = []
    skip_params = False
    for kind, pid, text in entries:
        if kind == "STATEMENT":
            skip_params = text.strip() in PROBES
            if skip_params:
                continue
        elif skip_params:
            continue
        one = " ".join(text.split()) if kind == "STATEMENT" else text.replace("\n", " ")
        out.append(f"{kind} {pid} {one}")
    sys.stdout.write("".join(line + "\n" for line in out))


def unquote(lit):
    return lit[1:-1].replace("''", "'")


def literal(value):
    if re.search(r":[A-Za-z_]", value):
        esc = value.replace("\\", "\\\\").replace("'", "''").replace(":", "\\003A")
        return "U&'" + esc + "'"
    return "'" + value.replace("'", "''") + "'"


def pgbench(name):
    stmts = []  # (sql, {n: value or None})
    for line in sys.stdin:
        kind, _pid, rest = line.rstrip("\n").split(" ", 2)
        if kind == "STATEMENT":
            stmts.append([rest, {}])
        elif kind == "PARAMS" and stmts:
            stmts[-1][1] = {int(n): (None if v == "NULL" else unquote(v)) for n, v in PARAM.findall(rest)}
    # values to make fresh per transaction
    fresh = {}  # value -> pgbench expression
    sets = []
    counter = 0

    def fresh_var():
        nonlocal counter
        counter += 1
        sets.append(f"\\set r{counter} random(1, 9000000000000000000)")
        return f"r{counter}"

    for sql, params in stmts:
        # INSERT … SELECT FROM UNNEST($1::uuid[], …): parameter n is the
        # array of column n - 1; each new id in it is made fresh (the array
        # is then rebuilt around the fresh ids by sub() below)
        m = re.match(r'INSERT INTO "?(\w+)"? \(([^)]*)\) SELECT \* FROM UNNEST\(', sql, re.I)
        if m:
            cols = [c.strip().strip('"') for c in m.group(2).split(",")]
            for n, v in params.items():
                if n <= len(cols) and cols[n - 1] == "id" and isinstance(v, str):
                    for element in v.strip("{}").split(","):
                        if UUID.match(element) and element not in fresh:
                            fresh[element] = f"md5(:client_id::text || '-' || :{fresh_var()}::text)::uuid"
            continue
        m = re.match(r'INSERT INTO "?(\w+)"? \(([^)]*)\) (VALUES|SELECT)', sql, re.I)
        if not m:
            continue
        table = m.group(1)
        cols = [c.strip().strip('"') for c in m.group(2).split(",")]
        if m.group(3).upper() == "SELECT":
            # INSERT … SELECT <one row> WHERE <condition>: the audit event
            # appended after the head the process remembers, on condition
            # that it still is the head (api/src/services/audit_head.rs).
            # The condition names the head as it is when the script runs.
            if table == "audit_event":
                for pattern, expr in (
                    (r'"sequence" = \$(\d+)', "(SELECT coalesce(max(sequence), 0) FROM audit_event)"),
                    (r'"hash" = \$(\d+)', "(SELECT hash FROM audit_event ORDER BY sequence DESC LIMIT 1)"),
                    (r'FROM "audit_event"\) = \$(\d+)', "(SELECT coalesce(max(sequence), 0) FROM audit_event)"),
                ):
                    for n in re.findall(pattern, sql):
                        params[int(n)] = ("__EXPR__", expr)
        for n in sorted(params):
            if m.group(3).upper() == "SELECT" and n > len(cols):
                continue
            # one row or many: parameter n fills column (n - 1) mod the column count
            col = cols[(n - 1) % len(cols)]
            i = n - 1
            v = params.get(n)
            if v is None or isinstance(v, tuple):
                continue
            if col == "id" and UUID.match(v) and v not in fresh:
                var = fresh_var()
                fresh[v] = f"md5(:client_id::text || '-' || :{var}::text)::uuid"
            elif table == "complaint" and col == "reference" and v not in fresh:
                var = fresh_var()
                fresh[v] = f"('BENCH-' || :client_id::text || '-' || :{var}::text)"
            elif table == "idempotency_key" and col == "key" and v not in fresh:
                var = fresh_var()
                fresh[v] = f"('bench-' || :client_id::text || '-' || :{var}::text)"
            elif table == "audit_event" and col == "sequence":
                params[i + 1] = ("__EXPR__", "(SELECT coalesce(max(sequence), 0) + 1 FROM audit_event)")

    def sub(sql, params):
        def one(m):
            n = int(m.group(1))
            if n not in params:
                return m.group(0)
            v = params[n]
            if v is None:
                return "NULL"
            if isinstance(v, tuple):
                return v[1]
            if v in fresh:
                return fresh[v]
            # a value holding fresh ids (a JSON document naming the new row,
            # an array of new ids): the text around them, concatenated
            present = [old for old in fresh if old in v]
            if present:
                pieces = re.split("(" + "|".join(map(re.escape, present)) + ")", v)
                return "(" + " || ".join(
                    f"({fresh[p]})::text" if p in fresh else literal(p) for p in pieces if p != ""
                ) + ")"
            return literal(v)

        return re.sub(r"\$(\d+)(?!\d)", one, sql)

    out = [f"-- {name}: captured by `bench/perf/run capture` from PostgreSQL's statement log;",
           "-- parameters inlined (see bench/perf/pglog.py for what is made fresh per run).", *sets]
    for sql, params in stmts:
        s = sub(sql, params).rstrip().rstrip(";")
        out.append(s + ";")
    sys.stdout.write("\n".join(out) + "\n")


def read_map(path):
    with open(path) as f:
        return [line.rstrip("\n").split(" ", 1) for line in f if " " in line]


def placeholders(path):
    text = sys.stdin.read()
    for uuid, key in read_map(path):
        if uuid in text:
            text = text.replace(uuid, "@" + key + "@")
    sys.stdout.write(text)


def bind(path):
    text = sys.stdin.read()
    ids = {key: uuid for uuid, key in read_map(path)}
    complaints = sorted(k for k in ids if k.startswith("complaint:"))
    stand_ins = {}

    def one(m):
        key = m.group(1)
        if key in ids:
            return ids[key]
        if key.startswith("complaint:") and complaints:
            # A seed's references can differ between runs (classification and
            # numbering follow the moment "now"): another complaint of this
            # database stands in, the same one for every use of the key.
            if key not in stand_ins:
                stand_ins[key] = ids[complaints[len(stand_ins) * 7919 % len(complaints)]]
            return stand_ins[key]
        sys.exit(f"pglog.py bind: no row for {key} in this database")

    sys.stdout.write(re.sub(r"@((?:facility|deadline_policy|complaint):[^@]+)@", one, text))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "filter":
        filter_log(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "pgbench":
        pgbench(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "placeholders":
        placeholders(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "bind":
        bind(sys.argv[2])
    else:
        sys.exit(__doc__)
