using System.Text.Json.Serialization;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Database;

/// <summary>
/// The JSON columns of the advisory database (ranges, lists, CVSS vectors), read through source-generated metadata:
/// every scan that matches reads them, and the reflection-based serializer built its metadata (and compiled its
/// accessors) at the start of every process first. The column bytes are unchanged.
/// </summary>
[JsonSerializable(typeof(List<AffectedRange>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<CvssVector>))]
internal sealed partial class AdvisoryRowJson : JsonSerializerContext;
