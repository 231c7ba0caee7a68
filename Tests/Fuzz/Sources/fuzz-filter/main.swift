import FuzzSupport

Fuzz.main { data, size in
    FilterTarget.run(Fuzz.bytes(data, size))
    return 0
}
