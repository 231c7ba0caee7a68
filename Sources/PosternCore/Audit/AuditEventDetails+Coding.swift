import Foundation

extension AuditEventDetails {
    func encode(into c: inout AuditEncoding) throws {
        if let status { try status.encode(into: &c) }
        switch self {
        case .sessionStart(let s):
            try c.encode(s.serverID, forKey: .serverID)
            try c.encodeNonEmpty(s.serverHostname, .serverHostname)
            try c.encodeNonEmpty(s.serverVersion, .serverVersion)
            try c.encodeNonEmpty(s.localAddr, .localAddr)
            try c.encodeNonEmpty(s.remoteAddr, .remoteAddr)
            try c.encodeNonEmpty(s.userAgent, .userAgent)
            if s.postgresPID != 0 { try c.encode(s.postgresPID, forKey: .postgresPID) }
        case .sessionEnd(let e):
            try c.encodeIfPresent(e.sessionStart, forKey: .sessionStart)
            try c.encodeIfPresent(e.sessionStop, forKey: .sessionStop)
            try c.encodeNonEmpty(e.localAddr, .localAddr)
            try c.encodeNonEmpty(e.remoteAddr, .remoteAddr)
            try c.encodeNonEmpty(e.participants, .participants)
        case .query(let q):
            try c.encode(q.query, forKey: .dbQuery)
            try c.encodeNonEmpty(q.parameters, .dbQueryParameters)
        case .postgresParse(let p):
            try c.encode(p.statementName, forKey: .statementName)
            try c.encode(p.query, forKey: .query)
        case .postgresBind(let b):
            try c.encode(b.statementName, forKey: .statementName)
            try c.encode(b.portalName, forKey: .portalName)
            try c.encode(b.parameters, forKey: .parameters)
        case .postgresExecute(let e):
            try c.encode(e.portalName, forKey: .portalName)
        case .postgresClose(let cl):
            try c.encode(cl.statementName, forKey: .statementName)
            try c.encode(cl.portalName, forKey: .portalName)
        case .postgresFunction(let f):
            try c.encode(f.functionOID, forKey: .functionOID)
            try c.encodeNonEmpty(f.functionArgs, .functionArgs)
        case .malformedPacket(let m):
            if !m.payload.isEmpty { try c.encode(Data(m.payload).base64EncodedString(), forKey: .payload) }
        case .result(let r):
            try c.encode(r.queryID, forKey: .queryID)
            try c.encodeNonEmpty(r.sqlState, .sqlState)
            try c.encodeIfPresent(r.affectedRecords, forKey: .affectedRecords)
            try c.encode(Double(r.durationMicroseconds) / 1000, forKey: .durationMs)
            try c.encodeNonEmpty(r.commandTag, .commandTag)
        }
    }

    init(_ type: AuditEventType, from c: AuditDecoding) throws {
        switch type {
        case .sessionStart:
            self = .sessionStart(SessionStart(
                status: try AuditStatus(from: c), serverID: try c.string(.serverID),
                serverHostname: try c.string(.serverHostname), serverVersion: try c.string(.serverVersion),
                localAddr: try c.string(.localAddr), remoteAddr: try c.string(.remoteAddr),
                userAgent: try c.string(.userAgent),
                postgresPID: try c.decodeIfPresent(UInt32.self, forKey: .postgresPID) ?? 0))
        case .sessionEnd:
            self = .sessionEnd(SessionEnd(
                sessionStart: try c.decodeIfPresent(AuditTime.self, forKey: .sessionStart),
                sessionStop: try c.decodeIfPresent(AuditTime.self, forKey: .sessionStop),
                localAddr: try c.string(.localAddr), remoteAddr: try c.string(.remoteAddr),
                participants: try c.strings(.participants)))
        case .query, .queryFailed:
            self = .query(Query(query: try c.decode(String.self, forKey: .dbQuery),
                                parameters: try c.strings(.dbQueryParameters), status: try AuditStatus(from: c)))
        case .postgresParse:
            self = .postgresParse(PostgresParse(statementName: try c.string(.statementName),
                                                query: try c.string(.query)))
        case .postgresBind:
            self = .postgresBind(PostgresBind(statementName: try c.string(.statementName),
                                              portalName: try c.string(.portalName),
                                              parameters: try c.strings(.parameters)))
        case .postgresExecute:
            self = .postgresExecute(PostgresExecute(portalName: try c.string(.portalName)))
        case .postgresClose:
            self = .postgresClose(PostgresClose(statementName: try c.string(.statementName),
                                                portalName: try c.string(.portalName)))
        case .postgresFunction:
            self = .postgresFunction(PostgresFunction(
                functionOID: try c.decode(UInt32.self, forKey: .functionOID), functionArgs: try c.strings(.functionArgs)))
        case .malformedPacket:
            let text = try c.string(.payload)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: .payload, in: c, debugDescription: "payload is not base64")
            }
            self = .malformedPacket(MalformedPacket(payload: [UInt8](data)))
        case .result:
            let ms = try c.decode(Double.self, forKey: .durationMs)
            self = .result(Result(queryID: try c.decode(String.self, forKey: .queryID), status: try AuditStatus(from: c),
                                  sqlState: try c.string(.sqlState),
                                  affectedRecords: try c.decodeIfPresent(UInt64.self, forKey: .affectedRecords),
                                  durationMicroseconds: Int64((ms * 1000).rounded()),
                                  commandTag: try c.string(.commandTag)))
        }
    }
}

extension AuditStatus {
    func encode(into c: inout AuditEncoding) throws {
        try c.encode(success, forKey: .success)
        try c.encodeNonEmpty(error, .error)
        try c.encodeNonEmpty(message, .message)
    }

    init(from c: AuditDecoding) throws {
        self.init(success: try c.decode(Bool.self, forKey: .success), error: try c.string(.error),
                  message: try c.string(.message))
    }
}
