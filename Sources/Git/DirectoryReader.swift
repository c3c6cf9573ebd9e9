import Foundation

/// Reads a plain directory that is not a git repository (configs kept outside git), with the same
/// `include` filter and the same file rules as `GitRepository.workingTreeFiles`.
public enum DirectoryReader {
    public static func files(at path: String, include: (String) -> Bool) throws -> [GitFile] {
        try DirectoryWalker.files(root: path, skip: { _, _ in false }, include: include)
    }
}

/// Recursive directory reading shared by `DirectoryReader` and working-tree reads.
///
/// Only regular files are read; symbolic links are skipped (as `files(at:)` skips symlink blobs),
/// which also rules out loops. `.git` entries are skipped, and so are nested repositories
/// (directories that contain their own `.git`), which git does not track as files either. Results
/// are sorted by path so output is deterministic.
enum DirectoryWalker {
    /// `skip(relativePath, isDirectory)` prunes entries before they are read or descended into.
    static func files(
        root: String, skip: (String, Bool) throws -> Bool, include: (String) -> Bool
    ) throws -> [GitFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GitError(kind: .other, context: "cannot read directory \(root)", message: "no such directory")
        }
        var found: [String] = []
        try walk(root: root, relative: "", skip: skip, include: include, into: &found)
        found.sort()
        return try readAll(found, root: root)
    }

    /// Reads the files on every core (a config repository can hold thousands of small files, and
    /// each costs three system calls); the first failure in path order is the one reported.
    private static func readAll(_ paths: [String], root: String) throws -> [GitFile] {
        var results = [Result<[UInt8], any Error>?](repeating: nil, count: paths.count)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer  // every index is written by exactly one iteration
            let chunk = 64
            DispatchQueue.concurrentPerform(iterations: (paths.count + chunk - 1) / chunk) { part in
                for index in part * chunk..<min(paths.count, (part + 1) * chunk) {
                    slots[index] = Result { try readFile(root + "/" + paths[index]) }
                }
            }
        }
        return try zip(paths, results).map { path, result in GitFile(path: path, bytes: try result!.get()) }
    }

    private static func walk(
        root: String, relative: String, skip: (String, Bool) throws -> Bool,
        include: (String) -> Bool, into files: inout [String]
    ) throws {
        let directory = relative.isEmpty ? root : root + "/" + relative
        for entry in try entries(of: directory) where entry.name != ".git" {
            let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
            let absolute = root + "/" + path
            switch entry.type {
            case .directory:
                if access(absolute + "/.git", F_OK) == 0 { continue }
                if try skip(path, true) { continue }
                try walk(root: root, relative: path, skip: skip, include: include, into: &files)
            case .regular:
                guard include(path), !(try skip(path, false)) else { continue }
                files.append(path)
            case .other:
                continue
            }
        }
    }

    private enum EntryType { case directory, regular, other }

    /// A directory's entries sorted by name, typed without following symbolic links (`d_type`,
    /// or `lstat` where the filesystem does not fill it in).
    private static func entries(of directory: String) throws -> [(name: String, type: EntryType)] {
        guard let stream = opendir(directory) else {
            throw GitError(kind: .other, context: "cannot list directory \(directory)", message: String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var result: [(name: String, type: EntryType)] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var type: EntryType
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): type = .directory
            case Int32(DT_REG): type = .regular
            case Int32(DT_UNKNOWN):
                var info = stat()
                guard lstat(directory + "/" + name, &info) == 0 else { continue }  // vanished while we were walking
                switch info.st_mode & S_IFMT {
                case S_IFDIR: type = .directory
                case S_IFREG: type = .regular
                default: type = .other
                }
            default: type = .other  // symbolic links (not followed), devices, sockets, FIFOs
            }
            result.append((name, type))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The whole file, read straight into the byte array the core works on (sized by `fstat`, and
    /// still complete if the file grows while it is read).
    private static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw GitError(kind: .other, context: "cannot read file \(path)", message: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        let expected = fstat(descriptor, &info) == 0 ? max(Int(info.st_size), 0) : 0
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count > 0 { initialized += count } else if count == 0 { return } else if errno != EINTR { failure = errno; return }
            }
        }
        if failure == 0 && bytes.count == expected + 1 {  // it grew: read on to the end
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while failure == 0 {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 { bytes += chunk[0..<count] } else if count == 0 { break } else if errno != EINTR { failure = errno }
            }
        }
        if failure != 0 {
            throw GitError(kind: .other, context: "cannot read file \(path)", message: String(cString: strerror(failure)))
        }
        return bytes
    }
}
