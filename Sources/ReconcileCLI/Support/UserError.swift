/// An error that is the user's to fix (bad flag combination, missing file), printed as one line
/// without a stack of causes.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
