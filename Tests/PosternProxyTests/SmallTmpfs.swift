import Foundation
import PosternTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, for the audit store to live on and the test to fill: a
/// real full disk, seen by every process. Needs root (mount); without it the test fails, not skips,
/// as the bastion tests do.
final class SmallTmpfs {
    let path: String
    private var filler: Int32 = -1
    private var mounted = true

    init(megabytes: Int) throws {
        guard geteuid() == 0 else {
            throw HarnessError("the full-disk tests need root (they mount a tmpfs to fill); run them as make test and CI do")
        }
        var template = Array("/tmp/postern-fulldisk-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) }) else {
            throw HarnessError("mkdtemp failed")
        }
        path = String(cString: made)
        let mount = try Subprocess.run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path])
        guard mount.status == 0 else {
            rmdir(path)
            throw HarnessError("mount -t tmpfs failed: \(mount.combined)")
        }
    }

    deinit { unmount() }

    /// Writes the filler file until not one more byte fits (ENOSPC down to a 1-byte write). Called
    /// again, it takes whatever was freed since (the store cutting back its own files).
    func fill() throws {
        if filler < 0 {
            filler = open(path + "/filler", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard filler >= 0 else { throw HarnessError("cannot create the filler: \(String(cString: strerror(errno)))") }
        }
        let block = [UInt8](repeating: UInt8(ascii: "f"), count: 1 << 20)
        var chunk = block.count
        while chunk > 0 {
            let n = block.withUnsafeBytes { write(filler, $0.baseAddress, chunk) }
            if n > 0 { continue }
            guard n < 0, errno == ENOSPC || errno == EINTR else {
                throw HarnessError("filling the tmpfs: \(String(cString: strerror(errno)))")
            }
            if errno == ENOSPC { chunk /= 2 }
        }
    }

    /// Removes the filler: space returns.
    func drain() {
        guard filler >= 0 else { return }
        close(filler)
        filler = -1
        unlink(path + "/filler")
    }

    /// Bytes free, as the store sees them.
    var freeBytes: Int {
        var st = statvfs()
        return statvfs(path, &st) == 0 ? Int(st.f_bavail) * Int(st.f_frsize) : -1
    }

    /// Unmounts (lazily if something still holds a file there) and removes the mount point.
    func unmount() {
        guard mounted else { return }
        mounted = false
        drain()
        if (try? Subprocess.run("umount", [path]))?.status != 0 {
            _ = try? Subprocess.run("umount", ["-l", path])
        }
        rmdir(path)
    }
}
