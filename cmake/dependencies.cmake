# Third-party dependencies: Debian packages plus the pinned llama.cpp from scripts/setup.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(Boost 1.81 REQUIRED)  # header-only Asio/Beast
find_package(yaml-cpp REQUIRED)  # the gateway's LiteLLM-style config.yaml (imported target: yaml-cpp)
if(HEARTH_FUZZ)
  return()  # the fuzz build has no llama.cpp-based modules
endif()
find_package(OpenMP REQUIRED)

if(HEARTH_LLAMA_PREFIX)
  list(PREPEND CMAKE_PREFIX_PATH ${HEARTH_LLAMA_PREFIX})
endif()
find_package(llama CONFIG REQUIRED)
get_filename_component(HEARTH_LLAMA_LIBDIR "${LLAMA_LIB_DIR}" ABSOLUTE)

# llama-common (chat templates through llama.cpp's Jinja engine) has no CMake package upstream;
# scripts/setup installs its archive and headers next to libllama.
find_library(LLAMA_COMMON_LIB NAMES llama-common HINTS ${LLAMA_LIB_DIR} ${HEARTH_LLAMA_PREFIX}/lib REQUIRED)
find_library(LLAMA_COMMON_BASE_LIB NAMES llama-common-base HINTS ${LLAMA_LIB_DIR} ${HEARTH_LLAMA_PREFIX}/lib REQUIRED)
find_library(LLAMA_HTTPLIB_LIB NAMES cpp-httplib HINTS ${LLAMA_LIB_DIR} ${HEARTH_LLAMA_PREFIX}/lib REQUIRED)
find_path(LLAMA_COMMON_INCLUDE NAMES chat.h HINTS ${LLAMA_INCLUDE_DIR}/llama-common ${HEARTH_LLAMA_PREFIX}/include/llama-common REQUIRED)
add_library(hearth_llama_common INTERFACE)
# SYSTEM: warnings in llama.cpp headers are not ours.
target_include_directories(hearth_llama_common SYSTEM INTERFACE ${LLAMA_COMMON_INCLUDE})
target_link_libraries(hearth_llama_common INTERFACE
  ${LLAMA_COMMON_LIB} ${LLAMA_COMMON_BASE_LIB} ${LLAMA_HTTPLIB_LIB} llama OpenMP::OpenMP_CXX Threads::Threads)
