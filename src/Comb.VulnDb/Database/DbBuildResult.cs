namespace Comb.VulnDb.Database;

/// <summary>Outcome of <c>comb db update</c> / <c>comb db import</c>: the new database and what was skipped on the way.</summary>
public sealed record DbBuildResult(AdvisoryDbInfo Info, IReadOnlyList<string> Warnings, TimeSpan Elapsed);
