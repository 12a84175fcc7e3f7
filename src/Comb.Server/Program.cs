using Comb.Server;

// Standalone entry (also what API tests start through WebApplicationFactory); `comb server` runs the same host.
await CombServer.Build(args).RunAsync();

/// <summary>The entry point type, named so test hosts can find this assembly.</summary>
public partial class Program;
