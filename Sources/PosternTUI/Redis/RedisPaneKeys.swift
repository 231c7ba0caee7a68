extension Command {
    public static let redisRun = Command("redis-run")
    public static let redisHistoryBack = Command("redis-history-back")
    public static let redisHistoryForward = Command("redis-history-forward")
    public static let redisClear = Command("redis-clear")
    public static let redisDeleteBack = Command("redis-delete")
    public static let redisClearLine = Command("redis-clear-line")
    public static let redisClose = Command("redis-close")
}

extension RedisPane {
    /// Letters are command text here, so every binding is a special key or Ctrl.
    public static let bindings: [KeyBinding] = [
        KeyBinding([.enter], .redisRun, scope, "send the command"),
        KeyBinding([.up], .redisHistoryBack, scope, "previous command"),
        KeyBinding([.down], .redisHistoryForward, scope, "next command"),
        KeyBinding([.pageUp], .pageUp, scope, "scroll the replies up"),
        KeyBinding([.pageDown], .pageDown, scope, "scroll the replies down"),
        KeyBinding([.backspace], .redisDeleteBack, scope, "delete a character"),
        KeyBinding([.ctrl("u")], .redisClearLine, scope, "clear the command line"),
        KeyBinding([.ctrl("l")], .redisClear, scope, "clear the replies"),
        KeyBinding([.ctrl("d")], .redisClose, scope, "close the session (also: quit)"),
    ]
}
