public import YAML

/// The diff of one object as a reviewer reads it: noise fields stripped, keys sorted, YAML,
/// `live/…` against `planned/…`. Used by the offline planner and the live dry-run alike.
public enum ObjectDiff {
    public static func render(old: Node?, new: Node?, key: ObjectKey, context: Int) -> String {
        let oldText = old.map { YAMLEmitter.emit(NoiseFields.strip($0).withoutMarks) } ?? ""
        let newText = new.map { YAMLEmitter.emit(NoiseFields.strip($0).withoutMarks) } ?? ""
        let name = key.namespace.isEmpty ? "\(key.kind)/\(key.name)" : "\(key.kind)/\(key.namespace)/\(key.name)"
        return UnifiedDiff(old: oldText, new: newText, context: context)
            .render(oldName: old == nil ? "/dev/null" : "live/\(name)", newName: new == nil ? "/dev/null" : "planned/\(name)")
    }
}
