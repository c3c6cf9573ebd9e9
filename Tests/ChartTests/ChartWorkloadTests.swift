import Testing
import YAML

/// The Deployment and the objects around it: hardening, probes, the `reconcile run` command line
/// and the paths it shares with the mounted volumes.
struct ChartWorkloadTests {
    static func podSpec() throws -> Node {
        let deployment = try ChartFiles.template("deployment.yaml", kind: "Deployment")
        return try #require(deployment[path: ["spec", "template", "spec"]])
    }

    static func container() throws -> Node {
        let containers = try #require(try podSpec()["containers"]?.sequence)
        try #require(containers.count == 1)
        return containers[0]
    }

    /// Every template reads as YAML (with template actions set aside) and names its object.
    @Test func everyTemplateIsWellFormed() throws {
        let names = try ChartFiles.templateNames()
        #expect(names.count >= 12, "\(names)")
        for name in names {
            let documents = try ChartFiles.template(name)
            #expect(!documents.isEmpty, "templates/\(name) has no object")
            for document in documents {
                #expect(document["apiVersion"]?.string != nil && document["kind"]?.string != nil, "templates/\(name)")
                #expect(document[path: ["metadata", "name"]] != nil, "templates/\(name): metadata.name")
            }
        }
    }

    @Test func podSecurityContext() throws {
        let context = try #require(try Self.podSpec()["securityContext"])
        #expect(context["runAsNonRoot"]?.bool == true)
        #expect(context["runAsUser"]?.int == 65532)
        #expect(context[path: ["seccompProfile", "type"]]?.string == "RuntimeDefault")
        #expect(try Self.podSpec()["hostNetwork"] == nil && (try Self.podSpec()["hostPID"]) == nil)
    }

    @Test func containerSecurityContext() throws {
        let context = try #require(try Self.container()["securityContext"])
        #expect(context["runAsNonRoot"]?.bool == true)
        #expect(context["runAsUser"]?.int == 65532)
        #expect(context["readOnlyRootFilesystem"]?.bool == true)
        #expect(context["allowPrivilegeEscalation"]?.bool == false)
        #expect(context["privileged"]?.bool != true)
        #expect(context[path: ["capabilities", "drop"]]?.strings == ["ALL"])
        #expect(context[path: ["capabilities", "add"]] == nil)
        #expect(context[path: ["seccompProfile", "type"]]?.string == "RuntimeDefault")
    }

    @Test func probesAndPort() throws {
        let container = try Self.container()
        #expect(container[path: ["livenessProbe", "httpGet", "path"]]?.string == "/healthz")
        #expect(container[path: ["livenessProbe", "httpGet", "port"]]?.string == "http")
        #expect(container[path: ["readinessProbe", "httpGet", "path"]]?.string == "/readyz")
        #expect(container[path: ["readinessProbe", "httpGet", "port"]]?.string == "http")
        #expect(container["ports"]?.sequence?.first?["name"]?.string == "http")
        #expect(container["resources"] != nil)
    }

    /// `run`, its own namespace from the downward API, the listener, and every file flag pointing
    /// at a path that a volume provides.
    @Test func commandLine() throws {
        let container = try Self.container()
        let args = try #require(container["args"]?.sequence).map { $0.string ?? "" }
        #expect(args.first == "run")
        func value(after flag: String) -> String? {
            guard let index = args.firstIndex(of: flag), index + 1 < args.count else { return nil }
            return args[index + 1]
        }
        for flag in ["--repo", "--ref", "--interval", "--listen", "--log-format", "--drift", "--environment", "--selector", "--lease-name", "--instance",
                     "--namespaces", "--allow-namespace", "--allow-namespace-labels", "--allow-namespace-annotations"] {
            #expect(value(after: flag) != nil, "missing \(flag)")
        }
        #expect(value(after: "--namespace") == "$(POD_NAMESPACE)")
        #expect(args.contains("--cluster-scoped") && args.contains("--no-cluster-scoped"), "scope.clusterScoped's two branches")
        #expect(value(after: "--cache-dir") == "/var/cache/reconcile")
        #expect(value(after: "--git-token-file") == "/etc/reconcile/git/token")
        #expect(value(after: "--ssh-key") == "/etc/reconcile/git/ssh/identity")
        #expect(value(after: "--known-hosts") == "/etc/reconcile/git/ssh/known_hosts")
        #expect(value(after: "--webhook-secret-file") == "/etc/reconcile/webhook/secret")

        let env = try #require(container["env"]?.sequence)
        for (name, field) in [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")] {
            let variable = env.first { $0["name"]?.string == name }
            #expect(variable?[path: ["valueFrom", "fieldRef", "fieldPath"]]?.string == field, "\(name)")
        }
    }

    /// `allowInsecureTransport` is the only way to the flag, and it is passed only when true.
    @Test func allowInsecureTransportMapsToTheFlag() throws {
        let args = try #require(try Self.container()["args"]?.sequence).map { $0.string ?? "" }
        #expect(args.filter { $0 == "--allow-insecure-transport" }.count == 1)
        let deployment = try ChartFiles.text("templates/deployment.yaml")
        #expect(deployment.contains("{{- if .Values.allowInsecureTransport }}\n            - --allow-insecure-transport\n            {{- end }}"))
        let schema = try ChartFiles.json("values.schema.json")
        #expect(schema[path: ["properties", "allowInsecureTransport", "type"]]?.string == "boolean")
    }

    @Test func volumesBackTheFlags() throws {
        let container = try Self.container()
        let pod = try Self.podSpec()
        let mounts = Dictionary(uniqueKeysWithValues: (container["volumeMounts"]?.sequence ?? []).compactMap { mount -> (String, String)? in
            guard let name = mount["name"]?.string, let path = mount["mountPath"]?.string else { return nil }
            return (path, name)
        })
        let volumes = pod["volumes"]?.sequence ?? []
        func volume(at path: String) -> Node? {
            guard let name = mounts[path] else { return nil }
            return volumes.first { $0["name"]?.string == name }
        }
        // The root filesystem is read-only: the cache and /tmp are emptyDirs.
        #expect(volume(at: "/var/cache/reconcile")?["emptyDir"] != nil)
        #expect(volume(at: "/tmp")?["emptyDir"] != nil)
        let git = try #require(volume(at: "/etc/reconcile/git"))
        #expect(Set((git[path: ["secret", "items"]]?.sequence ?? []).compactMap { $0["path"]?.string }) == ["token", "ssh/identity", "ssh/known_hosts"])
        let webhook = try #require(volume(at: "/etc/reconcile/webhook"))
        #expect(webhook[path: ["secret", "items"]]?.sequence?.first?["path"]?.string == "secret")
        for mount in container["volumeMounts"]?.sequence ?? [] where mount["mountPath"]?.string?.hasPrefix("/etc/reconcile") == true {
            #expect(mount["readOnly"]?.bool == true)
        }
    }

    @Test func highAvailability() throws {
        let deployment = try ChartFiles.template("deployment.yaml", kind: "Deployment")
        #expect(deployment[path: ["spec", "replicas"]] != nil)
        let pod = try Self.podSpec()
        let spread = try #require(pod["topologySpreadConstraints"]?.sequence?.first)
        #expect(spread["whenUnsatisfiable"] != nil && spread["topologyKey"] != nil)
        let helpers = try ChartFiles.text("templates/_helpers.tpl")
        #expect(helpers.contains("preferredDuringSchedulingIgnoredDuringExecution"))
        let budget = try ChartFiles.template("poddisruptionbudget.yaml", kind: "PodDisruptionBudget")
        #expect(budget[path: ["spec", "minAvailable"]] != nil)
        let values = try ChartFiles.yaml("values.yaml")
        #expect(values["podAntiAffinity"]?.string == "soft")
        #expect(values[path: ["topologySpread", "whenUnsatisfiable"]]?.string == "ScheduleAnyway")
    }

    @Test func serviceAndNetworkPolicy() throws {
        let service = try ChartFiles.template("service.yaml", kind: "Service")
        #expect(service[path: ["spec", "ports"]]?.sequence?.map { $0["name"]?.string } == ["http"])
        let policy = try ChartFiles.template("networkpolicy.yaml", kind: "NetworkPolicy")
        #expect(policy[path: ["spec", "policyTypes"]]?.strings == ["Ingress", "Egress"])
        let ingress = try #require(policy[path: ["spec", "ingress"]]?.sequence)
        #expect(ingress.allSatisfy { $0["ports"]?.sequence?.map { $0["port"]?.string } == ["http"] }, "ingress only to the http port")
        let egress = try #require(policy[path: ["spec", "egress"]]?.sequence)
        let dnsPorts = egress.flatMap { $0["ports"]?.sequence ?? [] }.filter { $0["port"]?.int == 53 }.compactMap { $0["protocol"]?.string }
        #expect(Set(dnsPorts) == ["UDP", "TCP"])
        let values = try ChartFiles.yaml("values.yaml")
        #expect(values[path: ["networkPolicy", "egress", "apiServer", "ports"]]?.sequence?.compactMap(\.int) == [443, 6443])
        #expect(values[path: ["networkPolicy", "egress", "git", "ports"]]?.sequence?.compactMap(\.int) == [443, 22, 9418])
        let monitor = try ChartFiles.template("servicemonitor.yaml", kind: "ServiceMonitor")
        #expect(monitor["apiVersion"]?.string == "monitoring.coreos.com/v1")
        #expect(monitor[path: ["spec", "endpoints"]]?.sequence?.first?["path"]?.string == "/metrics")
    }

    /// The Ingress routes only the webhook, never /metrics.
    @Test func ingressExposesOnlyTheWebhook() throws {
        let ingress = try ChartFiles.template("ingress.yaml", kind: "Ingress")
        let paths = (ingress[path: ["spec", "rules"]]?.sequence ?? []).flatMap { $0[path: ["http", "paths"]]?.sequence ?? [] }
        #expect(paths.map { $0["path"]?.string } == ["/webhook"])
        #expect(paths.map { $0["pathType"]?.string } == ["Exact"])
    }
}
