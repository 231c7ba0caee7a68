/// The databases Postern offers: the config's static ones plus those discovery found.
public struct DatabaseInventory: Sendable, Equatable {
    /// Static databases in config order, then discovered ones sorted by name.
    public var databases: [Database]
    /// Discovered databases left out because a static database, or an earlier discovered one,
    /// already has the name.
    public var shadowed: [Database]

    public init(databases: [Database] = [], shadowed: [Database] = []) {
        self.databases = databases
        self.shadowed = shadowed
    }

    /// A static database wins a name clash, as in Teleport, where a resource from the config
    /// file is never replaced by a cloud one; among discovered ones the first seen wins.
    public static func merge(static statics: [Database], discovered: [Database]) -> DatabaseInventory {
        var names = Set(statics.map(\.name))
        var kept: [Database] = []
        var shadowed: [Database] = []
        for db in discovered {
            if names.insert(db.name).inserted {
                kept.append(db)
            } else {
                shadowed.append(db)
            }
        }
        kept.sort { $0.name < $1.name }
        return DatabaseInventory(databases: statics + kept, shadowed: shadowed)
    }
}
