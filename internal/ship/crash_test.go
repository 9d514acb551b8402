package ship

const crashChildEnv = "WSEC_SHIP_CRASH_CHILD"

func crashChild() int { return 0 }
