using Comb.Contracts;

namespace Comb.Engine.Tests;

/// <summary>Path normalisation gives what splitting on "/" and walking the segments gives, for plain and odd paths alike.</summary>
public sealed class PathSegmentsTests
{
    [Theory]
    [InlineData("./usr/bin/perl", "usr/bin/perl")]
    [InlineData("usr/bin/", "usr/bin")]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("././a", "a")]
    [InlineData("./", "")]
    [InlineData("", "")]
    [InlineData("a//b", "a/b")]
    [InlineData("a/./b", "a/b")]
    [InlineData("a/b/..", "a")]
    [InlineData("a/.", "a")]
    [InlineData(".a/..b/c.", ".a/..b/c.")]
    [InlineData("../x", null)]
    [InlineData("./a/../../x", null)]
    public void Paths_normalise_as_their_segments_say(string path, string? expected) => Assert.Equal(expected, PathSegments.Normalize(path));

    [Fact]
    public void Random_paths_normalise_as_the_segment_walk_does()
    {
        var random = new Random(18);
        string[] pieces = ["a", "bc", ".", "..", "", ".x", "x.", "...", "-"];
        for (var i = 0; i < 20_000; i++)
        {
            var path = string.Join('/', Enumerable.Range(0, random.Next(0, 6)).Select(_ => pieces[random.Next(pieces.Length)]));
            Assert.Equal(PathSegments.Walk(path, clampAtRoot: false), PathSegments.Normalize(path));
            Assert.Equal(PathSegments.Walk(path, clampAtRoot: true), PathSegments.NormalizeWithin(path));
        }
    }
}
