using Microsoft.Extensions.Caching.Memory;

namespace Comb.Server.Admission;

/// <summary>Admission's own bounded cache (digests of tags, decisions), apart from any cache other parts of the host keep.</summary>
public sealed class AdmissionCache() : MemoryCache(new MemoryCacheOptions { SizeLimit = 50_000 });
