"""Read a SARIF file back with sarif-tools (PyPI), an independent SARIF consumer.

Usage: python read_back.py FILE.sarif

Run it with the interpreter of the venv that testbed/sarif-tools.sh installs (testbed/tb test exports
it as RIVVEN_SARIF_PYTHON). The file is loaded with sarif-tools' own loader (sarif.loader.load_sarif_file,
giving a SarifFile with SarifRun objects), never with a plain json.load, and one JSON object is printed
on stdout:

  {"runs": N, "tool": <driver name of the first run>, "rules": [<tool.driver.rules[].id>, ...],
   "results": [{"ruleId", "level", "uri", "startLine", "startColumn", "endLine", "endColumn",
                "resolvedRuleId"}, ...],
   "summary_total": <total of `sarif summary`>, "summary_levels": {"error": n, ...},
   "sarif_tools_version": "X.Y.Z"}

Where each value comes from (sarif-tools 3.0.x):
  tool          SarifRun.get_tool_name()                          (tool.driver.name)
  ruleId        SarifRun.get_records() "Code"                     (result.ruleId)
  level         SarifRun.get_records() "Severity" = read_result_severity(): result.level, else "none"
                when kind != "fail", else the rule's defaultConfiguration.level, else "warning"
  uri,startLine sarif_file_utils.read_result_location()           (locations[0]; None when absent) --
                the same accessor get_records() uses, minus its "-" / "1" placeholders
  columns,
  endLine       sarif-tools has no accessor: the region of locations[0].physicalLocation of the
                result dict that SarifRun.get_results() hands over
  resolvedRuleId  id of the rule that sarif_file_utils.read_result_rule() finds (ruleIndex first,
                then ruleId), or None
  rules         no list accessor either: run_data["tool"]["driver"]["rules"] of each SarifRun
  summary_*     sarif.operations.summary_op.generate_summary(), the code behind `sarif summary`,
                run in-process on a SarifFileSet holding this file; its printed "level: count"
                lines, parsed (it prints no total: summary_total is their sum)
Rules and results are those of all runs, in order.

Exit status: 0 read back; 1 sarif-tools could not load or read the file, or it has no run (message on
stderr); 2 usage, or sarif-tools is not importable by this interpreter.
"""

import contextlib
import io
import json
import re
import sys


def fail(message, code=1):
    print(f"read_back.py: {message}", file=sys.stderr)
    sys.exit(code)


def cause_chain(exc):
    parts = []
    while exc is not None:
        parts.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return " <- ".join(parts)


try:
    import sarif
    from sarif import loader, sarif_file_utils
    from sarif.operations import summary_op
    from sarif.sarif_file import SarifFileSet
except ImportError as exc:
    fail(f"sarif-tools is not importable by {sys.executable} ({exc}): run testbed/sarif-tools.sh", 2)


def region_of(result):
    """The region of the location that read_result_location() reads (the first one)."""
    locations = result.get("locations") or []
    if not isinstance(locations, list) or not locations:
        return {}
    return (locations[0].get("physicalLocation") or {}).get("region") or {}


def summarize(sarif_file):
    """Run `sarif summary`'s own code on the file; return (total, {level: count}, text)."""
    file_set = SarifFileSet()
    file_set.add_file(sarif_file)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        summary_op.generate_summary(file_set, None, False)
    text = out.getvalue()
    levels = {m.group(1): int(m.group(2))
              for m in re.finditer(r"^(\w+): (\d+)$", text, re.MULTILINE)}
    if not levels:
        raise ValueError(f"no 'level: count' lines in the summary output: {text!r}")
    return sum(levels.values()), levels, text


def read_back(path):
    try:
        sarif_file = loader.load_sarif_file(path)
    except Exception as exc:  # the loader wraps every failure into IOError("Cannot load ...")
        fail(f"sarif-tools failed to load {path}: {cause_chain(exc)}")
    if not sarif_file.runs:
        fail(f"sarif-tools found no run in {path}")

    try:
        rules, results = [], []
        for run in sarif_file.runs:
            rules += [r.get("id") for r in run.run_data.get("tool", {}).get("driver", {}).get("rules", [])]
            raw_results = run.get_results()
            records = run.get_records()
            if len(records) != len(raw_results):
                raise ValueError(f"run {run.run_index}: {len(raw_results)} results but {len(records)} records")
            for result, record in zip(raw_results, records):
                uri, start_line = sarif_file_utils.read_result_location(result)
                rule, _ = sarif_file_utils.read_result_rule(result, run.run_data)
                region = region_of(result)
                results.append({
                    "ruleId": record["Code"],
                    "level": record["Severity"],
                    "uri": uri,
                    "startLine": start_line,
                    "startColumn": region.get("startColumn"),
                    "endLine": region.get("endLine"),
                    "endColumn": region.get("endColumn"),
                    "resolvedRuleId": rule.get("id") if rule else None,
                })
        summary_total, summary_levels, _ = summarize(sarif_file)
        return {
            "runs": len(sarif_file.runs),
            "tool": sarif_file.runs[0].get_tool_name(),
            "rules": rules,
            "results": results,
            "summary_total": summary_total,
            "summary_levels": summary_levels,
            "sarif_tools_version": sarif.__version__,
        }
    except Exception as exc:  # e.g. KeyError: a run without "results", a result without "ruleId"
        fail(f"sarif-tools could not read {path}: {cause_chain(exc)}")


def main(argv):
    if len(argv) != 2:
        fail("usage: python read_back.py FILE.sarif", 2)
    json.dump(read_back(argv[1]), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
