// Generated from policies/*.yaml by Tests/FindingsTests/ShippedPolicyTests.swift: do not edit by hand.
// After changing a file in policies/, regenerate with
//     RECONCILE_UPDATE_SHIPPED_POLICIES=1 swift test --filter ShippedPolicyTests

import ReconcileCore

/// The default guardrail policies, embedded because the core reads no files. The YAML files in
/// `policies/` are the readable source; a test keeps the two identical.
public enum ShippedPolicies {
    /// Repository-relative path and text of each shipped policy file, by file name.
    public static let files: [(path: String, text: String)] = [
        ("policies/external-gateway-wildcard-tls.yaml", #"""
# POL003 (warning): a Gateway on an external ingress gateway that accepts every
# host ("*") serves it over TLS (or redirects to HTTPS).
#
# "External" is read from the standard `istio` selector label: values that
# contain "external" or "ingressgateway" (istio-ingressgateway,
# aks-istio-ingressgateway-external), but not "internal".
apiVersion: reconcile.dev/v1
kind: Policy
metadata:
  name: external-gateway-wildcard-tls
  annotations:
    reconcile.dev/code: POL003
    reconcile.dev/severity: warning
    reconcile.dev/hint: "name the hosts the gateway serves, or add tls (mode: SIMPLE with credentialName) or tls.httpsRedirect: true to the server"
spec:
  rules:
    - name: wildcard-host-needs-tls
      match:
        any:
          - resources:
              kinds: [networking.istio.io/Gateway]
      preconditions:
        all:
          - key: "{{ request.object.spec.selector.istio || '' }}"
            operator: AnyIn
            value: ["*external*", "*ingressgateway*"]
          - key: "{{ request.object.spec.selector.istio || '' }}"
            operator: AllNotIn
            value: ["*internal*"]
      validate:
        message: an external Gateway server accepts every host without TLS
        foreach:
          - list: request.object.spec.servers
            deny:
              conditions:
                # hosts is exactly ["*"] (or "*/*"): a list compares as a whole, without wildcards
                any:
                  - key: "{{ element.hosts }}"
                    operator: Equals
                    value: ["*"]
                  - key: "{{ element.hosts }}"
                    operator: Equals
                    value: ["*/*"]
                # ...and the server neither terminates TLS nor redirects to HTTPS
                all:
                  - key: "{{ element.tls.mode || '' }}"
                    operator: Equals
                    value: ""
                  - key: "{{ element.tls.httpsRedirect || `false` }}"
                    operator: Equals
                    value: false

"""#),
        ("policies/injected-namespace-default-deny.yaml", #"""
# POL002 (warning): every namespace with sidecar injection has a default-deny
# ingress network policy, so traffic that bypasses the mesh (from pods without
# a sidecar, or from outside the cluster) is refused unless a policy allows it.
#
# `require` is a reconcile extension (Kyverno has no cross-object rule):
# docs/policies.md says which Kubernetes NetworkPolicy and Calico
# NetworkPolicy / GlobalNetworkPolicy shapes count as default-deny.
apiVersion: reconcile.dev/v1
kind: Policy
metadata:
  name: injected-namespace-default-deny
  annotations:
    reconcile.dev/code: POL002
    reconcile.dev/severity: warning
    reconcile.dev/hint: "add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] to the namespace (ingress rules may allow specific peers)"
spec:
  rules:
    - name: injected-namespace-has-default-deny
      # Namespaces as they will be after the plan: istio-injection=enabled or
      # a revision label (istio-injection takes precedence when both are set).
      match:
        any:
          - resources:
              kinds: [Namespace]
              selector:
                matchLabels:
                  istio-injection: enabled
          - resources:
              kinds: [Namespace]
              selector:
                matchLabels:
                  istio.io/rev: "?*"
      exclude:
        any:
          - resources:
              kinds: [Namespace]
              selector:
                matchLabels:
                  istio-injection: disabled
      validate:
        message: an injected namespace needs a default-deny ingress network policy
      require:
        kinds: [NetworkPolicy, GlobalNetworkPolicy]
        inNamespaceOf: match
        where:
          defaultDeny: true

"""#),
        ("policies/no-allow-all-authorizationpolicy.yaml", #"""
# POL004 (error): no AuthorizationPolicy allows everything.
#
# An ALLOW policy (action ALLOW is the default) with an empty rule `{}` matches
# every request: it silently overrides the deny-by-default that any other ALLOW
# policy on the same workloads sets up.
apiVersion: reconcile.dev/v1
kind: Policy
metadata:
  name: no-allow-all-authorizationpolicy
  annotations:
    reconcile.dev/code: POL004
    reconcile.dev/severity: error
    reconcile.dev/hint: "give every rule a from, to or when clause; to allow nothing, leave spec empty (spec: {})"
spec:
  rules:
    - name: no-empty-allow-rule
      match:
        any:
          - resources:
              kinds: [security.istio.io/AuthorizationPolicy]
      validate:
        message: AuthorizationPolicy allows all requests (action ALLOW with an empty rule {})
        deny:
          conditions:
            all:
              - key: "{{ request.object.spec.action || 'ALLOW' }}"
                operator: Equals
                value: ALLOW
              - key: "{{ request.object.spec.rules || `[]` }}"
                operator: AnyIn
                value: [{}]

"""#),
        ("policies/no-peerauthentication-disable.yaml", #"""
# POL001 (error): mutual TLS is never switched off.
#
# A PeerAuthentication with mode DISABLE makes the selected workloads accept
# plain text only: their traffic is no longer authenticated or encrypted, and
# mTLS callers are refused. Use PERMISSIVE while moving workloads into the mesh.
apiVersion: reconcile.dev/v1
kind: Policy
metadata:
  name: no-peerauthentication-disable
  annotations:
    reconcile.dev/code: POL001
    reconcile.dev/severity: error
    reconcile.dev/hint: use mode PERMISSIVE (accepts both) or STRICT; DISABLE turns mTLS off for every workload the policy selects
spec:
  rules:
    # The workload-wide mode: if spec.mtls.mode is set, it is not DISABLE.
    - name: mtls-mode-not-disable
      match:
        any:
          - resources:
              kinds: [security.istio.io/PeerAuthentication]
      validate:
        message: PeerAuthentication must not set mTLS mode DISABLE
        pattern:
          =(spec):
            =(mtls):
              =(mode): "!DISABLE"
    # Per-port overrides (portLevelMtls is a map keyed by port number).
    - name: port-level-mtls-not-disable
      match:
        any:
          - resources:
              kinds: [security.istio.io/PeerAuthentication]
      validate:
        message: PeerAuthentication must not set mTLS mode DISABLE on a port
        deny:
          conditions:
            any:
              - key: "{{ values(request.object.spec.portLevelMtls || `{}`)[].mode }}"
                operator: AnyIn
                value: [DISABLE]

"""#),
    ]

    /// The shipped policies parsed (a test asserts that every file parses).
    public static let parsed: [Policy] = files.flatMap { file in
        (try? Policy.parse(Array(file.text.utf8), file: "builtin:" + file.path)) ?? []
    }
}
