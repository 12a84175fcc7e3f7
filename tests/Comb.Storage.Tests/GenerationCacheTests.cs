namespace Comb.Storage.Tests;

public sealed class GenerationCacheTests
{
    [Fact]
    public void An_entry_outlives_one_turn_of_generations_and_not_two()
    {
        var cache = new GenerationCache<string, int>(2, StringComparer.Ordinal);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("c", 3); // the current generation is full: a and b become the old one
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal(1, a);
        cache.Set("d", 4); // a (moved back on its hit) and c fill the current one, which turns: b is gone
        cache.Set("e", 5);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("e", out _));
    }

    [Fact]
    public void Keys_are_found_by_the_comparer_given()
    {
        var cache = new GenerationCache<string, int>(8, StringComparer.OrdinalIgnoreCase);
        cache.Set("Key", 1);
        cache.Set("KEY", 2);
        Assert.True(cache.TryGet("key", out var value));
        Assert.Equal(2, value);
    }
}
