import FuzzSupport

Fuzz.main { data, size in
    PGStartupTarget.run(Fuzz.bytes(data, size))
    return 0
}
