export { FederatorNode, type NodeOptions } from "./node.js"
export { resolveConfig, fromEnv, fromFile, parseHostPort, DEFAULT_HTTP_PORT, DEFAULT_HTTP_HOST, type Config } from "./config.js"
export { createLogger } from "./logger.js"
export { VERSION } from "./version.js"
