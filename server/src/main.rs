//! The shop's server binary. All the work is in the library (`startup`).

/// Server-side rendering allocates and frees many small strings per page, where glibc's
/// allocator is slow and mimalloc is not (P6).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(result) = server::cli::run(&args, &config).await {
        match result {
            Ok(said) => println!("{said}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
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
