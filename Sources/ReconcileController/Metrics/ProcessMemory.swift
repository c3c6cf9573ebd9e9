import Foundation
#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// The process's memory as the kernel and the allocator see it, recorded after each pass. The
/// two together separate a leak (bytes in use grow) from allocator retention (resident grows
/// while in use stays flat): issue 18's soak reads both from /metrics.
struct ProcessMemory {
    /// Resident set size (`/proc/self/statm`), 0 where unavailable.
    var residentBytes: Int
    /// Bytes glibc's malloc has handed out and not had back (`mallinfo2`: arenas + mmapped chunks).
    var heapInUseBytes: Int
    /// Free bytes malloc holds in its arenas instead of returning them to the kernel.
    var heapFreeBytes: Int

    static func sample() -> ProcessMemory {
        var memory = ProcessMemory(residentBytes: 0, heapInUseBytes: 0, heapFreeBytes: 0)
        #if canImport(Glibc)
        let info = mallinfo2()
        memory.heapInUseBytes = Int(info.uordblks) + Int(info.hblkhd)
        memory.heapFreeBytes = Int(info.fordblks)
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { memory.residentBytes = pages * Int(sysconf(Int32(_SC_PAGESIZE))) }
        }
        #endif
        return memory
    }
}

extension ProcessMemory {
    /// Hands the free pages glibc's arenas keep back to the kernel (`malloc_trim(0)`). A pass
    /// lists and parses every live object, on whichever executor threads ran the requests, so
    /// each of malloc's per-thread arenas grows to its share of one pass's peak and keeps it;
    /// between passes that is resident memory nothing uses (docs/controller.md, "Memory").
    /// Safe: it only releases memory malloc already considers free, under each arena's lock.
    /// `RECONCILE_MALLOC_TRIM=0` turns it off (the soak benchmark's comparison run).
    static func releaseFreeHeap() {
        #if canImport(Glibc)
        guard trimEnabled else { return }
        _ = malloc_trim(0)
        #endif
    }

    private static let trimEnabled = ProcessInfo.processInfo.environment["RECONCILE_MALLOC_TRIM"] != "0"
}
