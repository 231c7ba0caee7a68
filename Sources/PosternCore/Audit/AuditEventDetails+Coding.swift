import Foundation

extension AuditEventDetails {
    func encode(into c: inout some AuditFieldWriter) throws {
        if let status { try status.encode(into: &c) }
        switch self {
        case .sessionStart(let s):
            try c.put(s.serverID, .serverID)
            try c.putNonEmpty(s.serverHostname, .serverHostname)
            try c.putNonEmpty(s.serverVersion, .serverVersion)
            try c.putNonEmpty(s.localAddr, .localAddr)
            try c.putNonEmpty(s.remoteAddr, .remoteAddr)
            try c.putNonEmpty(s.userAgent, .userAgent)
            if s.postgresPID != 0 { try c.put(UInt64(s.postgresPID), .postgresPID) }
            try c.putNonEmpty(s.startupParameters, .startupParameters)
        case .sessionEnd(let e):
            if let t = e.sessionStart { try c.put(t, .sessionStart) }
            if let t = e.sessionStop { try c.put(t, .sessionStop) }
            try c.putNonEmpty(e.localAddr, .localAddr)
            try c.putNonEmpty(e.remoteAddr, .remoteAddr)
            try c.putNonEmpty(e.participants, .participants)
            try c.putNonEmpty(e.reason, .reason)
        case .query(let q):
            try c.put(q.query, .dbQuery)
            try c.putNonEmpty(q.parameters, .dbQueryParameters)
        case .postgresParse(let p):
            try c.put(p.statementName, .statementName)
            try c.put(p.query, .query)
        case .postgresBind(let b):
            try c.put(b.statementName, .statementName)
            try c.put(b.portalName, .portalName)
            try c.put(b.parameters, .parameters)
        case .postgresExecute(let e):
            try c.put(e.portalName, .portalName)
        case .postgresClose(let cl):
            try c.put(cl.statementName, .statementName)
            try c.put(cl.portalName, .portalName)
        case .postgresFunction(let f):
            try c.put(UInt64(f.functionOID), .functionOID)
            try c.putNonEmpty(f.functionArgs, .functionArgs)
        case .malformedPacket(let m):
            if !m.payload.isEmpty { try c.put(Data(m.payload).base64EncodedString(), .payload) }
        case .result(let r):
            try c.put(r.queryID, .queryID)
            try c.putNonEmpty(r.sqlState, .sqlState)
            if let n = r.affectedRecords { try c.put(n, .affectedRecords) }
            try c.put(milliseconds: r.durationMicroseconds, .durationMs)
            try c.putNonEmpty(r.commandTag, .commandTag)
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
                postgresPID: try c.decodeIfPresent(UInt32.self, forKey: .postgresPID) ?? 0,
                startupParameters: try c.decodeIfPresent([String: String].self, forKey: .startupParameters) ?? [:]))
        case .sessionEnd:
            self = .sessionEnd(SessionEnd(
                sessionStart: try c.decodeIfPresent(AuditTime.self, forKey: .sessionStart),
                sessionStop: try c.decodeIfPresent(AuditTime.self, forKey: .sessionStop),
                localAddr: try c.string(.localAddr), remoteAddr: try c.string(.remoteAddr),
                participants: try c.strings(.participants), reason: try c.string(.reason)))
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
    func encode(into c: inout some AuditFieldWriter) throws {
        try c.put(success, .success)
        try c.putNonEmpty(error, .error)
        try c.putNonEmpty(message, .message)
    }

    init(from c: AuditDecoding) throws {
        self.init(success: try c.decode(Bool.self, forKey: .success), error: try c.string(.error),
                  message: try c.string(.message))
    }
}
