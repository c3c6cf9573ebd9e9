// Empty: CFuzzDriver only declares libFuzzer's LLVMFuzzerRunDriver for Swift (include/CFuzzDriver.h).
