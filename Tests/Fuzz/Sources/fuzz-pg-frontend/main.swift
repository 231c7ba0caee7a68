import FuzzSupport

Fuzz.main { data, size in
    PGFrontendTarget.run(Fuzz.bytes(data, size))
    return 0
}
