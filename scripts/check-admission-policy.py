#!/usr/bin/env python3
"""Evaluates the chart's ValidatingAdmissionPolicies (templates/admissionpolicy.yaml) against a
table of admission requests and says where the outcome is not the expected one.

    check-admission-policy.py --policies rendered.json --cases scripts/admission-policy-cases.json \
        --username system:serviceaccount:<ns>:<sa>

`rendered.json` is the template rendered to JSON (a list of documents; Tests/ChartTests renders it
with known values and runs this script: `swift test --filter AdmissionPolicyCELTests`). Each case
names a base object, the fields it changes, the operation and the user; this script builds the
request, picks the policies whose matchConstraints and matchConditions match, evaluates their
variables and validations as the API server would (a false validation or an evaluation error denies,
failurePolicy Fail), and compares allow/deny and the message.

How this differs from kube-apiserver (so a pass here is evidence, not proof):
  * Objects are plain JSON maps (cel-python), not the API server's typed objects built from the
    OpenAPI schema. Field access, has(), ==, `in`, all/exists/filter behave the same for the
    shapes used here, but cel-python's type checker is not the API server's: an expression that
    only fails type-checking against the schema (wrong field name on a typed object, a ternary
    whose branches the API server types differently) is not caught here.
  * cel-python's has() on a null object is false; the API server reports an error. The policies
    guard every access to `object` / `oldObject` with request.operation, so neither is reached.
  * Variables are evaluated eagerly; one that fails is stored as an error value, which a
    validation only sees if it reads it (the API server evaluates variables lazily: same outcome).
  * The API server's defaulting (replicas, strategy, spec.finalizers, kubernetes.io/metadata.name)
    is not run: the cases spell out the defaulted objects the API server would pass to admission.
  * Cost limits and the CEL library subset (the API server's strings/lists/sets extensions) are not
    checked; the policies use only standard CEL macros and functions cel-python implements.

Exit status: 0 all cases as expected, 1 a mismatch or a policy expression that does not compile,
2 bad input, 3 cel-python (module `celpy`) is not installed.
"""

import argparse
import copy
import json
import sys

try:
    import celpy
    from celpy.evaluation import CELEvalError
except ImportError:  # pragma: no cover - reported to the caller
    print("check-admission-policy: cel-python is not installed (pip install cel-python)", file=sys.stderr)
    sys.exit(3)

ENV = celpy.Environment()


def compile_expression(text, where):
    try:
        return ENV.program(ENV.compile(text))
    except Exception as error:  # celpy raises several parser error types
        raise SystemExit(f"check-admission-policy: {where} does not compile: {error}\n  {text}")


class Policy:
    """One ValidatingAdmissionPolicy, every expression compiled once."""

    def __init__(self, document):
        self.name = document["metadata"]["name"]
        spec = document["spec"]
        self.failure_policy = spec.get("failurePolicy", "Fail")
        self.rules = spec["matchConstraints"]["resourceRules"]
        self.conditions = [(c["name"], compile_expression(c["expression"], f"{self.name} matchCondition {c['name']}"))
                           for c in spec.get("matchConditions", [])]
        self.variables = [(v["name"], compile_expression(v["expression"], f"{self.name} variable {v['name']}"))
                          for v in spec.get("variables", [])]
        self.validations = []
        for index, validation in enumerate(spec["validations"]):
            where = f"{self.name} validation {index}"
            message = validation.get("message")
            message_expression = validation.get("messageExpression")
            self.validations.append((
                compile_expression(validation["expression"], where),
                message,
                compile_expression(message_expression, where + " messageExpression") if message_expression else None,
                validation["expression"],
            ))

    def matches(self, request):
        resource = request["resource"]
        for rule in self.rules:
            if (resource["group"] in rule["apiGroups"] and resource["version"] in rule["apiVersions"]
                    and resource["resource"] in rule["resources"] and request["operation"] in rule["operations"]):
                return True
        return False

    def admit(self, activation_json):
        """None when admitted, else the denial message."""
        activation = celpy.json_to_cel(activation_json)
        for name, program in self.conditions:
            try:
                if not program.evaluate(activation):
                    return None
            except CELEvalError as error:
                if self.failure_policy == "Fail":
                    return f"matchCondition {name} failed: {error}"
                return None
        variables = {}
        for name, program in self.variables:
            activation["variables"] = celpy.celtypes.MapType(variables)
            try:
                value = program.evaluate(activation)
            except CELEvalError as error:
                value = error
            variables[celpy.celtypes.StringType(name)] = value
        activation["variables"] = celpy.celtypes.MapType(variables)
        for program, message, message_program, text in self.validations:
            try:
                result = program.evaluate(activation)
            except CELEvalError as error:
                return f"expression '{text}' resulted in error: {error}"
            if isinstance(result, CELEvalError):
                return f"expression '{text}' resulted in error: {result}"
            if result:
                continue
            if message_program is not None:
                try:
                    return str(message_program.evaluate(activation))
                except CELEvalError:
                    pass  # the API server falls back to `message`, then to the expression
            return message or f"failed expression: {text}"
        return None


def set_path(node, path, value):
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def delete_path(node, path):
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


def build_object(case, bases):
    base = copy.deepcopy(bases[case["base"]])
    changed = copy.deepcopy(base)
    for path, value in case.get("set", []):
        set_path(changed, path, value)
    for path in case.get("delete", []):
        delete_path(changed, path)
    operation = case["operation"]
    if operation == "CREATE":
        return changed, None
    if operation == "DELETE":
        return None, base
    return changed, base


RESOURCES = {
    "Deployment": ("apps", "v1", "deployments"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "Namespace": ("", "v1", "namespaces"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", required=True, help="the rendered template as a JSON list of documents")
    parser.add_argument("--cases", required=True)
    parser.add_argument("--username", required=True, help="the chart's ServiceAccount user (what `user: sa` means)")
    arguments = parser.parse_args()
    try:
        with open(arguments.policies) as handle:
            documents = json.load(handle)
        with open(arguments.cases) as handle:
            table = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"check-admission-policy: {error}", file=sys.stderr)
        return 2
    policies = [Policy(d) for d in documents if d.get("kind") == "ValidatingAdmissionPolicy"]
    bindings = {d["spec"]["policyName"]: d for d in documents if d.get("kind") == "ValidatingAdmissionPolicyBinding"}
    unbound = [p.name for p in policies if p.name not in bindings or "Deny" not in bindings[p.name]["spec"].get("validationActions", [])]
    if not policies or unbound:
        print(f"check-admission-policy: no policies, or policies without a Deny binding: {unbound}", file=sys.stderr)
        return 1

    mismatches = 0
    for case in table["cases"]:
        new, old = build_object(case, table["bases"])
        kind = (new or old)["kind"]
        group, version, resource = RESOURCES[kind]
        username = arguments.username if case.get("user", "sa") == "sa" else case["user"]
        request = {
            "operation": case["operation"],
            "userInfo": {"username": username},
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "name": (new or old)["metadata"]["name"],
            "namespace": (new or old)["metadata"].get("namespace", ""),
        }
        activation = {"object": new, "oldObject": old, "request": request}
        denials = [(p.name, m) for p in policies if p.matches(request) for m in [p.admit(activation)] if m is not None]
        outcome = "deny" if denials else "allow"
        problem = None
        if outcome != case["expect"]:
            problem = f"expected {case['expect']}, got {outcome}" + (f": {denials[0][1]}" if denials else "")
        elif denials and case.get("message") and case["message"] not in denials[0][1]:
            problem = f"denied, but the message does not name {case['message']!r}: {denials[0][1]}"
        if problem:
            mismatches += 1
            print(f"MISMATCH {case['name']}: {problem}")
        else:
            print(f"ok       {case['name']}: {outcome}" + (f" ({denials[0][1]})" if denials else ""))
    print(f"check-admission-policy: {len(table['cases'])} cases, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
