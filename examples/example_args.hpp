// The command line the Fashion-MNIST examples share: [--epochs N] [--data DIR].
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

struct ExampleArgs {
    int epochs = 5;
    std::string data_dir;   // empty: KERASXX_FASHION_MNIST_DIR, else the Debian package's directory
};

inline ExampleArgs parse_example_args(int argc, char** argv, int default_epochs = 5) {
    ExampleArgs args;
    args.epochs = default_epochs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--epochs" && i + 1 < argc) args.epochs = std::atoi(argv[++i]);
        else if (arg == "--data" && i + 1 < argc) args.data_dir = argv[++i];
        else {
            std::cerr << "usage: " << argv[0] << " [--epochs N] [--data DIR]\n";
            std::exit(2);
        }
    }
    return args;
}
