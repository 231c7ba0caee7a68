/// A value quoted for a message, as the rest of Postern quotes names.
func quoted(_ s: String) -> String { "\"" + s + "\"" }
