using Comb.Contracts;
using Comb.Image.Local;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Image;

public static class ServiceCollectionExtensions
{
    /// <summary>Local image sources and the resolver; the registry source registers itself separately.</summary>
    public static IServiceCollection AddCombImage(this IServiceCollection services)
    {
        services.AddSingleton<IImageSource, OciLayoutSource>();
        services.AddSingleton<IImageSource, OciArchiveSource>();
        services.AddSingleton<IImageSource, DockerArchiveSource>();
        services.AddSingleton<IImageSource, RootfsSource>();
        services.AddSingleton<IImageSource, Stores.ContainersStorageSource>();
        services.AddSingleton<IImageSource, Stores.ContainerdSource>();
        services.AddSingleton<ImageSourceResolver>();
        return services;
    }
}
