internal import CYAML

extension YAMLParser {
    /// The libyaml version this process runs on, for `reconcile version`.
    public static var libraryVersion: String {
        guard let version = yaml_get_version_string() else { return "unknown" }
        return String(cString: version)
    }
}
