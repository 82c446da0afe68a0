# The Debian 12 packages kerasxx builds and runs its examples with, as one list for the scripts that
# install them (sourced: `source scripts/build_packages.sh; scripts/install_packages.sh "${build_packages[@]}"`).
build_packages=(g++ meson ninja-build pkg-config libxtensor-dev libxtensor-blas-dev libxsimd-dev xtl-dev
                libopenblas-dev nlohmann-json3-dev catch2 zlib1g-dev libfmt-dev libcpp-httplib-dev dataset-fashion-mnist)
