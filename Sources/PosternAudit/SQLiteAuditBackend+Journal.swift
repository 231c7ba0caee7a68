import GRDB
import PosternCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Indexing journal segments from their files: those of processes that died (then removed), and
/// the unindexed tails of live ones, so a search in one process sees what another just journaled.
extension SQLiteAuditBackend {
    static func indexedTo(_ segment: String, _ db: GRDB.Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT indexed_to FROM audit_journal WHERE segment = ?", arguments: [segment]) ?? 0
    }

    static func setIndexed(_ segment: String, to end: Int64, _ db: GRDB.Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO audit_journal (segment, indexed_to) VALUES (?, ?)", arguments: [segment, end])
    }

    /// Indexes every segment in `directory` but `own`: a dead one to its last complete line, then
    /// removed; a live one as far as its lines are complete. With `deadOnly`, live ones are left.
    func indexJournal(in directory: String, except own: Set<String>, deadOnly: Bool) throws {
        for name in AuditJournal.segments(in: directory, except: own) {
            guard let reader = JournalSegmentReader(directory: directory, name: name) else { continue }
            defer { reader.close() }
            if deadOnly, !reader.dead { continue }
            while try indexChunk(of: reader, name: name) {}
            if reader.dead, !reader.unlinked {
                // Unlinked before its mark goes: a crash in between leaves a mark without a file
                // (dropped below), never a file whose events would be indexed twice.
                unlink(reader.path)
                try forget([name])
            }
        }
        // A segment its process died creating (never renamed, so never written to).
        for name in AuditJournal.unfinished(in: directory) {
            guard let reader = JournalSegmentReader(directory: directory, name: name) else { continue }
            if reader.dead { unlink(reader.path) }
            reader.close()
        }
        try dropMarksWithoutFiles(in: directory)
    }

    /// This process's segments, from their files (after indexing from memory failed or fell behind).
    func indexOwnSegments(_ journal: AuditJournal) throws {
        for name in journal.ownSegments.sorted() {
            guard let reader = JournalSegmentReader(directory: journal.directory, name: name) else { continue }
            defer { reader.close() }
            while try indexChunk(of: reader, name: name) {}
            journal.indexed(name, upTo: try pool.read { db in try Self.indexedTo(name, db) })
        }
    }

    /// One transaction's worth of the segment's lines; false when there was nothing more.
    func indexChunk(of reader: JournalSegmentReader, name: String) throws -> Bool {
        try pool.writeWithoutTransaction { db in
            var more = false
            var count = 0
            try db.inTransaction(.immediate) {
                // Unlinked while we held it open: its owner (or the process that replayed it) indexed
                // it all and may have dropped its mark, so reading from a missing mark would index
                // it again. Checked under the write lock, which dropping the mark needs.
                if reader.unlinked { return .commit }
                let done = try Self.indexedTo(name, db)
                var entries: [AuditIndexEntry] = []
                var positions: [AuditJournal.Position] = []
                var reached = done
                for (line, end) in try reader.lines(from: done) {
                    if let rows = AuditJournalLine.rows(line) {
                        // A record of no events (never written so) holds nothing to index.
                        if let entry = AuditIndexEntry(rows: rows, line: line) {
                            entries.append(entry)
                            positions.append(AuditJournal.Position(segment: name, end: end))
                        }
                    } else if !reader.dead {
                        break // still being written: read again next time
                    }
                    // A dead writer's unreadable line was never acknowledged: skipped.
                    reached = end
                }
                guard reached > done else { return .commit }
                count = try insert([entries], positions: [positions], db).count { $0 != nil }
                if reached > (positions.last?.end ?? done) { try Self.setIndexed(name, to: reached, db) }
                more = true
                return .commit
            }
            checkpointer.committed(count)
            return more
        }
    }

    /// Marks of segments that are gone (their processes closed or were replayed).
    func forget(_ segments: [String]) throws {
        guard !segments.isEmpty else { return }
        try pool.write { db in
            for name in segments { try db.execute(sql: "DELETE FROM audit_journal WHERE segment = ?", arguments: [name]) }
        }
    }

    private func dropMarksWithoutFiles(in directory: String) throws {
        let marked = try pool.read { db in try String.fetchAll(db, sql: "SELECT segment FROM audit_journal") }
        try forget(marked.filter { access(directory + "/" + $0, F_OK) != 0 && errno == ENOENT })
    }
}
