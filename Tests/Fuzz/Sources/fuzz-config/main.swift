import FuzzSupport

Fuzz.main { data, size in
    ConfigTarget.run(Fuzz.bytes(data, size))
    return 0
}
