# The worker (the bus bridge) as a container (used by docker-compose.yml and the k8s manifests).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY contracts/Messaging.Contracts/ contracts/Messaging.Contracts/
COPY src/Messaging.Client/ src/Messaging.Client/
COPY src/Messaging.Sagas.Npgsql/ src/Messaging.Sagas.Npgsql/
COPY src/Messaging.Interactions/ src/Messaging.Interactions/
COPY src/Messaging.Worker/ src/Messaging.Worker/
RUN dotnet publish src/Messaging.Worker -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "Messaging.Worker.dll"]
