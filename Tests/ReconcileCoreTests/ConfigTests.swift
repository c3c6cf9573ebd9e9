import ReconcileCore
import Testing
import YAML

@Suite struct ConfigTests {
    @Test func parsesAFullConfig() throws {
        let config = try RepoConfig.parse(Array("""
        name: mesh-prod
        values: {gateway: ingress}
        environments:
          prod: {values: {revision: asm-1-23}}
        bundles:
          - name: base
            path: namespaces
            labels: {tier: base}
          - name: mesh
            path: [mesh/*.yaml, "extra/**/*.yml"]
            namespace: pets
            needs: [base]
        namespaces:
          pets: {revision: asm-1-23}
          dgraph: enabled
          legacy: disabled
        restart: {enabled: false, maxConcurrent: 3, timeout: 90s}
        prune: false
        drift: report
        force: true
        policies: policies/
        """.utf8))
        #expect(config.name == "mesh-prod")
        #expect(config.values == ["gateway": "ingress"])
        #expect(config.environment(named: "prod")?.values == ["revision": "asm-1-23"])
        #expect(config.bundles.map(\.name) == ["base", "mesh"])
        #expect(config.bundle(named: "mesh")?.paths == ["mesh/*.yaml", "extra/**/*.yml"])
        #expect(config.bundle(named: "mesh")?.needs == ["base"])
        #expect(config.namespaces.map(\.injection) == [.revision("asm-1-23"), .enabled, .disabled])
        #expect(config.restart.enabled == false)
        #expect(config.restart.maxConcurrent == 3)
        #expect(config.restart.timeout == 90)
        #expect(config.prune == false)
        #expect(config.drift == .report)
        #expect(config.force)
        #expect(config.policies == ["policies/"])
    }

    @Test(arguments: [
        ("90s", 90.0), ("10m", 600), ("1h30m", 5400), ("500ms", 0.5), ("2h", 7200),
    ])
    func durations(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "10", "ten minutes", "5d", "m"])
    func invalidDurations(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func formatsDurations() {
        #expect(DurationText.format(600) == "10m")
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(3600) == "1h")
    }

    @Test(arguments: [
        ("bundels: []", "unknown field \"bundels\" in reconcile.yaml (did you mean \"bundles\"?)", 1),
        ("prune: maybe", "prune must be true or false, got string", 1),
        ("drift: fix", "drift must be \"correct\" or \"report\"", 1),
        ("restart: {maxConcurrent: 0}", "restart.maxConcurrent must be at least 1", 1),
        ("restart:\n  timeout: soon", "restart.timeout must be a duration", 2),
        ("namespaces:\n  shop: sometimes", "namespaces.shop must be enabled, disabled or {revision: <name>}", 2),
        ("bundles:\n  - name: a\n    path: xa\n    needs: [b]\n  - name: b\n    path: yb\n    needs: [a]", "bundles' needs form a cycle: a -> b -> a", 2),
        ("bundles:\n  - name: a\n    path: x\n    needs: [zzz]", "bundle \"a\" needs unknown bundle \"zzz\"", 2),
        ("bundles:\n  - name: a\n    path: xa\n  - name: a\n    path: yb", "duplicate bundle name \"a\" (first defined at line 2)", 4),
        ("bundles:\n  - name: a", "missing required field \"path\"", 2),
        ("name: Not_Valid", "name \"Not_Valid\" is not a valid name", 1),
    ])
    func configErrorsNameTheLine(yaml: String, message: String, line: Int) {
        #expect {
            _ = try RepoConfig.parse(Array(yaml.utf8))
        } throws: { error in
            guard let diagnostic = error as? Diagnostic else { return false }
            return diagnostic.message.contains(message) && diagnostic.mark?.line == line && diagnostic.file == "reconcile.yaml"
        }
    }

    @Test func longerCyclesAreNamedInOrder() {
        let yaml = "bundles:\n- {name: a, path: a, needs: [b]}\n- {name: b, path: b, needs: [c]}\n- {name: c, path: c, needs: [a]}"
        #expect(throws: Diagnostic.self) { try RepoConfig.parse(Array(yaml.utf8)) }
        do { _ = try RepoConfig.parse(Array(yaml.utf8)) } catch let error as Diagnostic {
            #expect(error.message.contains("a -> b -> c -> a"))
        } catch {}
    }
}
