#!/usr/bin/python3
"""Validates JSON documents against a schema of OpenAI's API description.

Usage: openai_schema.py OPENAPI_JSON SCHEMA_NAME FILE...

SCHEMA_NAME is a name under components/schemas of OPENAPI_JSON (OpenAI's
openapi.json), e.g. CreateTranscriptionResponseVerboseJson or ErrorResponse;
its $refs are resolved in the same file. Each FILE holds one JSON document,
or with --lines one document a line (streamed events, JSON Lines). Prints
every violation with its path in the document and exits 1 if there is one,
2 on a usage error (unknown schema, a FILE that is not JSON). Needs Debian's
python3-jsonschema: run it with /usr/bin/python3.
"""
import json
import sys

import jsonschema


def documents(path, lines):
    with open(path, encoding="utf-8") as f:
        if not lines:
            yield path, json.load(f)
            return
        for n, line in enumerate(f, 1):
            if line.strip():
                yield "%s:%d" % (path, n), json.loads(line)


def main(argv):
    lines = "--lines" in argv
    args = [a for a in argv[1:] if a != "--lines"]
    if len(args) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        spec = json.load(f)
    name = args[1]
    if name not in spec.get("components", {}).get("schemas", {}):
        print("no schema %r in %s" % (name, args[0]), file=sys.stderr)
        return 2
    # OpenAPI 3.1 schemas are JSON Schema 2020-12; the $ref resolves in spec.
    resolver = jsonschema.RefResolver.from_schema(spec)
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/" + name}, resolver=resolver)
    bad = 0
    for path in args[2:]:
        try:
            docs = list(documents(path, lines))
        except ValueError as e:
            print("%s: not JSON: %s" % (path, e), file=sys.stderr)
            return 2
        for where, doc in docs:
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                at = "/".join(str(p) for p in err.absolute_path) or "(root)"
                print("%s: %s at %s: %s" % (where, name, at, err.message))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
