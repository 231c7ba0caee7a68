import FuzzSupport

Fuzz.main { data, size in
    RESPTarget.run(Fuzz.bytes(data, size))
    return 0
}
