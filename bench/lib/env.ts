// Imported first by every benchmark entry: the AWS SDK warns on Node 20 about its future Node 22 requirement,
// which would land in the figures' output (the kernels get the same setting through BenchEngine.env).
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
export {};
