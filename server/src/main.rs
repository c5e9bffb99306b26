//! The shop's server binary. All the work is in the library (`startup`).

#[tokio::main]
async fn main() {
    let _ = dotenvy::dotenv();
    server::startup::init_tracing();
    server::startup::raise_fd_limit();
    let config = match server::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let app = match server::spawn(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    server::startup::shutdown_signal().await;
    tracing::info!("shutting down");
    app.shutdown().await;
}
